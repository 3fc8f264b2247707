"""Failures talking to the finance provider, named by cause.

``str(error)`` is the technical detail for logs; ``error.user_message`` is the plain sentence a screen
shows. Neither ever contains the bearer token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


class ProviderError(Exception):
    """Base of every provider failure.

    Attributes:
        detail: Technical description (the provider's own message when it sent one).
        status_code: The HTTP status of the last answer, if an answer came.
        code: The provider's machine-readable error code (``"validation_failed"``...), if any.
    """

    user_message: ClassVar[str] = "The finance provider could not complete the request."

    def __init__(self, detail: str | None = None, *, status_code: int | None = None, code: str | None = None) -> None:
        self.detail = detail or self.user_message
        self.status_code = status_code
        self.code = code
        super().__init__(self.detail)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.detail!r}, status_code={self.status_code!r}, code={self.code!r})"


class Unauthorized(ProviderError):
    """The provider refused the bearer token (401/403)."""

    user_message = "The provider rejected the bearer token."


class Unreachable(ProviderError):
    """No connection could be made to the provider, even after retries."""

    user_message = "Could not reach the provider."


class TimedOut(ProviderError):
    """The request may have reached the provider but its answer never came: the outcome is unknown.

    For a submission the caller must not submit again with a new key; it resolves the outcome with
    ``find_by_idempotency_key`` (or resubmits with the *same* key).
    """

    user_message = "The provider did not answer in time."


class ProviderUnavailable(ProviderError):
    """The provider kept answering 429 or 5xx until the retries ran out.

    Attributes:
        retry_after: Seconds the provider asked us to wait in its last answer, if it said.
    """

    user_message = "The provider is busy or unavailable. Try again in a few minutes."

    def __init__(
        self,
        detail: str | None = None,
        *,
        status_code: int | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(detail, status_code=status_code, code=code)
        self.retry_after = retry_after


class Rejected(ProviderError):
    """The provider refused the request as invalid (400/409/422...).

    Attributes:
        errors: Field path (``"applicant.ssn"``) -> message, when the provider named fields.
    """

    user_message = "The provider rejected the request. Check the highlighted fields."

    def __init__(
        self,
        detail: str | None = None,
        *,
        status_code: int | None = None,
        code: str | None = None,
        errors: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail, status_code=status_code, code=code)
        self.errors: dict[str, str] = dict(errors or {})

    def __str__(self) -> str:
        if not self.errors:
            return self.detail
        fields = "; ".join(f"{name}: {message}" for name, message in sorted(self.errors.items()))
        return f"{self.detail} ({fields})"


class NotFound(ProviderError):
    """The provider has no such application or authorization (404 ``not_found``)."""

    user_message = "The provider has no record of this application or authorization."


class ProtocolError(ProviderError):
    """The provider's answer was not the JSON shape the protocol promises."""

    user_message = "The provider sent an answer stapp could not read."


class WebhookRejected(ProviderError):
    """An incoming webhook failed verification; it must be answered 400 and not applied.

    Attributes:
        reason: A short code: ``missing_signature``, ``bad_signature``, ``missing_timestamp``,
            ``bad_timestamp``, ``stale_timestamp``, ``future_timestamp`` or ``malformed_payload``.
    """

    user_message = "The webhook could not be verified."

    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(detail or reason, code=reason)
        self.reason = reason
