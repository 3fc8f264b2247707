"""The httpx client for Smart Home Pay LOS (protocol: ``docs/provider-api.md``).

Retries only what is safe to retry: failures to connect and answers 429/5xx, with exponential backoff,
full jitter and a capped ``Retry-After``. Every creating call (application, authorization, adjustment,
settlement) carries the same ``Idempotency-Key`` on every attempt, so a retry can never create a second
record. A read timeout is never retried: the outcome is unknown and the caller resolves it with
:meth:`ProviderClient.find_by_idempotency_key` (applications) or by calling again with the same key
(authorizations, adjustments and settlements answer the record that key created).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from stapp.provider.errors import (
    NotFound,
    ProtocolError,
    ProviderError,
    ProviderUnavailable,
    Rejected,
    TimedOut,
    Unauthorized,
    Unreachable,
)
from stapp.provider.pool import ProviderTransport
from stapp.provider.wire import (
    AdjustmentRequest,
    AdjustmentResult,
    ApplicationRequest,
    ApplicationResult,
    AuthorizationRequest,
    AuthorizationResult,
    PingResult,
    SettlementRequest,
    SettlementResult,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(connect=3.0, read=10.0, write=5.0, pool=5.0)
USER_AGENT = "stapp/0.1 (+consumer-financing)"

# Nothing reached the provider (or the connection died before any answer): safe to send again.
_RETRYABLE_TRANSPORT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.RemoteProtocolError,
)
# The request may have been received and acted on; only the answer is missing.
_OUTCOME_UNKNOWN: tuple[type[Exception], ...] = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
)


def _retryable_status(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


def _parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (the provider never sends the HTTP-date form); ``None`` if absent or unreadable."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class ProviderClient:
    """Speaks the provider's protocol over a shared ``httpx.AsyncClient``.

    Args:
        http: The long-lived client (see :func:`get_http_client`); its timeouts apply to every attempt.
        base_url: The provider's root, e.g. ``"https://los.example.com"``.
        token: The bearer token. Never logged, never shown in ``repr`` or in errors.
        max_retries: Extra attempts after the first (so ``3`` means at most 4 attempts).
        backoff_base: Seconds; the n-th retry waits a random time in ``[0, min(cap, base * 2**n))``.
        backoff_cap: Upper bound of one backoff wait, in seconds.
        retry_after_cap: Upper bound applied to a provider's ``Retry-After``, in seconds.
        sleep: Awaitable sleep, injectable so retry tests run instantly.
        rand: Returns a float in ``[0, 1)``; injectable so jitter is predictable in tests.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        token: str,
        *,
        max_retries: int = 3,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        retry_after_cap: float = 10.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if not token or not token.isprintable() or any(ch.isspace() for ch in token) or not token.isascii():
            # Never echo the value: a bad token would otherwise end up in httpx's header error.
            raise ValueError("The bearer token must be non-empty printable ASCII without spaces.")
        if max_retries < 0:
            raise ValueError("max_retries must be at least 0")
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._retry_after_cap = retry_after_cap
        self._sleep = sleep
        self._rand = rand

    def __repr__(self) -> str:
        return f"ProviderClient(base_url={self._base_url!r}, token='***')"

    # --- public operations -----------------------------------------------------------------------

    async def ping(self) -> PingResult:
        """Check the connection and the token (the "Test Connection" button).

        Raises:
            Unauthorized, Unreachable, TimedOut, ProviderUnavailable, ProtocolError.
        """
        response = await self._request("GET", "/v1/ping")
        return PingResult.from_json(self._json(response))

    async def submit_application(self, req: ApplicationRequest, idempotency_key: str) -> ApplicationResult:
        """Submit an application; the same key always yields the same application.

        Args:
            req: The application.
            idempotency_key: A random key the caller stored with the application *before* calling.

        Raises:
            Rejected: Validation failed (``errors`` per field) or the key was reused with another body.
            TimedOut: The outcome is unknown; resolve it with :meth:`find_by_idempotency_key`.
            Unauthorized, Unreachable, ProviderUnavailable, ProtocolError.
        """
        if not idempotency_key:
            raise ValueError("idempotency_key is required")
        response = await self._request(
            "POST", "/v1/applications", body=req.to_json(), headers={"Idempotency-Key": idempotency_key}
        )
        return ApplicationResult.from_json(self._json(response))

    async def get_application(self, application_id: str) -> ApplicationResult:
        """Fetch an application by the provider's id.

        Raises:
            NotFound: The provider has no such application.
            Unauthorized, Unreachable, TimedOut, ProviderUnavailable, ProtocolError.
        """
        response = await self._request("GET", f"/v1/applications/{quote(application_id, safe='')}")
        return ApplicationResult.from_json(self._json(response))

    async def find_by_idempotency_key(self, key: str) -> ApplicationResult | None:
        """Look up the application a submission with ``key`` created; ``None`` if the provider never recorded it.

        This is how an "Outcome Unknown" submission is resolved without submitting again.
        """
        try:
            response = await self._request("GET", "/v1/applications", params={"idempotency_key": key})
        except NotFound:
            return None
        return ApplicationResult.from_json(self._json(response))

    async def authorize(self, req: AuthorizationRequest, idempotency_key: str) -> AuthorizationResult:
        """Ask for a finance authorization of an order; the same key always yields the same authorization.

        The answer may be approved (with ``authorization_number``), declined, or prequalified (with
        ``prequal_url``; a later version is approved or declined, by webhook or :meth:`get_authorization`).

        Args:
            req: The authorization.
            idempotency_key: A random key the caller stored with the order *before* calling.

        Raises:
            NotFound: The provider has no such application.
            Rejected: Validation failed (``errors`` per field, e.g. ``amount`` above the application's
                ``amount_financed``, ``finance_type``, ``plan_code``, ``account_number``) or the key was reused
                with another body.
            TimedOut: The outcome is unknown; call again with the same key and the same request.
            Unauthorized, Unreachable, ProviderUnavailable, ProtocolError.
        """
        response = await self._request(
            "POST", "/v1/authorizations", body=req.to_json(), headers=self._key_header(idempotency_key)
        )
        return AuthorizationResult.from_json(self._json(response))

    async def get_authorization(self, authorization_id: str) -> AuthorizationResult:
        """Fetch an authorization by the provider's id (its current status, amount and version).

        Raises:
            NotFound: The provider has no such authorization.
            Unauthorized, Unreachable, TimedOut, ProviderUnavailable, ProtocolError.
        """
        response = await self._request("GET", f"/v1/authorizations/{quote(authorization_id, safe='')}")
        return AuthorizationResult.from_json(self._json(response))

    async def adjust(self, authorization_id: str, req: AdjustmentRequest, idempotency_key: str) -> AdjustmentResult:
        """Report a monetary change to a partially completed order; the authorization takes the new amount.

        Raises:
            NotFound: The provider has no such authorization.
            Rejected: ``validation_failed`` (e.g. ``amount`` above the application's ``amount_financed`` or
                below what is settled), ``authorization_not_approved``, or ``idempotency_key_reused``.
            TimedOut: The outcome is unknown; call again with the same key and the same request.
            Unauthorized, Unreachable, ProviderUnavailable, ProtocolError.
        """
        response = await self._request(
            "POST",
            f"/v1/authorizations/{quote(authorization_id, safe='')}/adjustments",
            body=req.to_json(),
            headers=self._key_header(idempotency_key),
        )
        return AdjustmentResult.from_json(self._json(response))

    async def settle(self, req: SettlementRequest, idempotency_key: str) -> SettlementResult:
        """Settle money of an approved authorization; the same key never settles twice.

        Raises:
            NotFound: The provider has no such authorization.
            Rejected: ``over_settlement`` (the authorization's settlements would exceed its amount),
                ``validation_failed``, ``authorization_not_approved`` or ``idempotency_key_reused``.
            ProviderUnavailable: Still 429/5xx after the retries; keep the settlement pending and retry it
                later with the same key.
            TimedOut: The outcome is unknown; call again with the same key and the same request.
            Unauthorized, Unreachable, ProtocolError.
        """
        response = await self._request(
            "POST", "/v1/settlements", body=req.to_json(), headers=self._key_header(idempotency_key)
        )
        return SettlementResult.from_json(self._json(response))

    # --- plumbing --------------------------------------------------------------------------------

    @staticmethod
    def _key_header(idempotency_key: str) -> dict[str, str]:
        if not idempotency_key:
            raise ValueError("idempotency_key is required")
        return {"Idempotency-Key": idempotency_key}

    def _backoff(self, retry: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self._retry_after_cap)
        return self._rand() * min(self._backoff_cap, self._backoff_base * (2**retry))

    async def _request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send with retries; return a 2xx response or raise the typed error."""
        url = f"{self._base_url}{path}"
        all_headers = {
            "Authorization": f"Bearer {self._token}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **(headers or {}),
        }
        content: bytes | None = None
        if body is not None:
            # Serialised once so every retry sends byte-identical content with the same key.
            content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            all_headers["Content-Type"] = "application/json"

        attempts = self._max_retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = await self._http.request(method, url, headers=all_headers, content=content, params=params)
            except _RETRYABLE_TRANSPORT as exc:
                log.debug("provider %s %s attempt %d: %s", method, path, attempt + 1, type(exc).__name__)
                if last:
                    raise Unreachable(f"{method} {path}: {type(exc).__name__} after {attempts} attempts") from exc
                await self._sleep(self._backoff(attempt, None))
                continue
            except _OUTCOME_UNKNOWN as exc:
                log.debug("provider %s %s attempt %d: %s", method, path, attempt + 1, type(exc).__name__)
                raise TimedOut(f"{method} {path}: {type(exc).__name__}; the outcome is unknown") from exc
            except httpx.TransportError as exc:
                raise Unreachable(f"{method} {path}: {type(exc).__name__}") from exc

            status = response.status_code
            log.debug("provider %s %s attempt %d: HTTP %d", method, path, attempt + 1, status)
            if 200 <= status <= 299:
                return response
            if _retryable_status(status):
                retry_after = _parse_retry_after(response.headers.get("Retry-After"))
                if last:
                    err = _error_body(response)
                    message = err.get("message") if isinstance(err.get("message"), str) else "no message"
                    raise ProviderUnavailable(
                        f"{method} {path}: HTTP {status} after {attempts} attempts: {message}",
                        status_code=status,
                        code=err.get("error"),
                        retry_after=retry_after,
                    )
                await self._sleep(self._backoff(attempt, retry_after))
                continue
            raise self._error_for(method, path, response)
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns or raises

    @staticmethod
    def _error_for(method: str, path: str, response: httpx.Response) -> ProviderError:
        status = response.status_code
        err = _error_body(response)
        code = err.get("error") if isinstance(err.get("error"), str) else None
        message = err.get("message") if isinstance(err.get("message"), str) else None
        detail = f"{method} {path}: HTTP {status}" + (f" {code}" if code else "") + (f": {message}" if message else "")
        if status in (401, 403):
            return Unauthorized(detail, status_code=status, code=code)
        if status == 404:
            if code == "not_found":
                return NotFound(detail, status_code=status, code=code)
            # A 404 without the provider's own error body means a wrong base URL, not a missing record.
            return ProtocolError(
                detail + " (not the provider's not_found answer; check the base URL)", status_code=status
            )
        if 400 <= status <= 499:
            raw_errors = err.get("errors")
            errors = {str(k): str(v) for k, v in raw_errors.items()} if isinstance(raw_errors, dict) else {}
            return Rejected(detail, status_code=status, code=code, errors=errors)
        return ProtocolError(f"{detail} (unexpected status)", status_code=status, code=code)

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise ProtocolError(
                f"HTTP {response.status_code} answer is not JSON", status_code=response.status_code
            ) from exc


# --- the one shared HTTP client per process ------------------------------------------------------

_shared: httpx.AsyncClient | None = None
# Requests in flight to the provider at once, per process. Every submission holds one for the provider's whole
# answer (hundreds of milliseconds), so this is how many users of one worker can be waiting on it together:
# at 20, the 21st of fifty reps submitting at once queued behind a full answer before its request even left.
MAX_CONNECTIONS = 100
MAX_KEEPALIVE = 50
# An idle connection is dropped after this many seconds, below the 5 s after which common servers (uvicorn, so
# the simulator, among them) close theirs: reusing one the server is closing at that instant fails as a ReadError,
# and a submission sent on it would be Outcome Unknown for nothing (seen once in 110 in ``make bench``).
KEEPALIVE_EXPIRY = 3.0


def get_http_client() -> httpx.AsyncClient:
    """Return the process-wide ``httpx.AsyncClient`` (created on first use) with explicit timeouts.

    Connect 3 s, read 10 s, write 5 s, pool 5 s; up to ``MAX_CONNECTIONS`` requests at once; redirects are not
    followed.
    """
    global _shared
    if _shared is None or _shared.is_closed:
        _shared = httpx.AsyncClient(
            timeout=DEFAULT_TIMEOUT,
            transport=ProviderTransport(httpx.Limits(max_connections=MAX_CONNECTIONS,
                                                     max_keepalive_connections=MAX_KEEPALIVE,
                                                     keepalive_expiry=KEEPALIVE_EXPIRY)),
            follow_redirects=False,
        )
    return _shared


async def close_http_client() -> None:
    """Close the shared client (call on shutdown); the next :func:`get_http_client` makes a new one."""
    global _shared
    client, _shared = _shared, None
    if client is not None:
        await client.aclose()
