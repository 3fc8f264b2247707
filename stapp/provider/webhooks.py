"""Signing and verifying the provider's webhooks.

The provider signs ``f"{timestamp}.{raw_body}"`` with HMAC-SHA256 and the shared webhook secret and sends
``X-SHP-Timestamp: <unix seconds>`` and ``X-SHP-Signature: v1=<hex>``. A receiver must verify the
signature over the *raw* body bytes (before any JSON parsing), refuse timestamps more than five minutes
old or ahead, refuse event ids it has already stored, and apply the event's object (``application`` or
``authorization``) only when its ``version`` is newer than the stored one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stapp.provider.errors import ProtocolError, WebhookRejected
from stapp.provider.wire import ApplicationResult, AuthorizationResult

__all__ = [
    "APPLICATION_UPDATED",
    "AUTHORIZATION_UPDATED",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "SeenEvents",
    "WebhookEvent",
    "WebhookRejected",
    "sign",
    "signature_headers",
    "verify",
]

SIGNATURE_HEADER = "X-SHP-Signature"
TIMESTAMP_HEADER = "X-SHP-Timestamp"
DEFAULT_TOLERANCE_S = 300
APPLICATION_UPDATED = "application.updated"
AUTHORIZATION_UPDATED = "authorization.updated"
_SCHEME = "v1"


def _key(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def _digest(secret: str | bytes, timestamp: int | str, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, timestamp: int, body: bytes) -> str:
    """Return the ``X-SHP-Signature`` value for ``body`` sent at ``timestamp`` (unix seconds)."""
    return f"{_SCHEME}={_digest(secret, timestamp, body)}"


def signature_headers(secret: str | bytes, timestamp: int, body: bytes) -> dict[str, str]:
    """Return both headers a webhook delivery carries."""
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}


@dataclass(frozen=True)
class WebhookEvent:
    """A verified event: exactly one of ``application`` and ``authorization`` is set, according to ``type``.

    Attributes:
        type: ``"authorization.updated"`` (:data:`AUTHORIZATION_UPDATED`) carries ``authorization``;
            ``"application.updated"`` (:data:`APPLICATION_UPDATED`), and any other type, carries ``application``.
        application: The application as it is now, or ``None`` for an authorization event.
        authorization: The authorization as it is now, or ``None`` for an application event.
    """

    event_id: str
    type: str
    application: ApplicationResult | None = None
    authorization: AuthorizationResult | None = None


def _lookup(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, candidate in headers.items():
        if key.lower() == lowered:
            return candidate
    return None


def verify(
    secret: str | bytes,
    headers_or_values: Mapping[str, str] | tuple[str | None, str | None],
    body: bytes,
    *,
    now: float | datetime,
    tolerance: int = DEFAULT_TOLERANCE_S,
) -> WebhookEvent:
    """Verify a delivery and parse its event.

    Args:
        secret: The shared webhook secret.
        headers_or_values: The request headers (any mapping; names are matched case-insensitively),
            or the pair ``(timestamp, signature)`` already taken from them.
        body: The raw request body, exactly as received.
        now: The current time (unix seconds or an aware datetime), from the caller's clock.
        tolerance: Seconds the timestamp may be behind or ahead of ``now``.

    Returns:
        The parsed event: ``authorization`` set for ``authorization.updated``, ``application`` otherwise.
        Replay (an ``event_id`` seen before) is the caller's check.

    Raises:
        WebhookRejected: With ``reason`` naming the first check that failed.
    """
    if isinstance(headers_or_values, tuple):
        timestamp_raw, signature_raw = headers_or_values
    else:
        timestamp_raw = _lookup(headers_or_values, TIMESTAMP_HEADER)
        signature_raw = _lookup(headers_or_values, SIGNATURE_HEADER)

    if not timestamp_raw:
        raise WebhookRejected("missing_timestamp")
    if not signature_raw:
        raise WebhookRejected("missing_signature")
    timestamp_text = timestamp_raw.strip()
    if not timestamp_text.isdigit() or not timestamp_text.isascii() or len(timestamp_text) > 12:
        raise WebhookRejected("bad_timestamp")

    # Several signatures may be sent (``v1=a,v1=b``) while a secret is being rotated; one match is enough.
    expected = _digest(secret, timestamp_text, body)
    candidates = [
        part.strip()[len(_SCHEME) + 1 :] for part in signature_raw.split(",") if part.strip().startswith(f"{_SCHEME}=")
    ]
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(candidate.encode(), expected.encode())
    if not matched:
        raise WebhookRejected("bad_signature")

    now_s = now.timestamp() if isinstance(now, datetime) else float(now)
    age = now_s - int(timestamp_text)
    if age > tolerance:
        raise WebhookRejected("stale_timestamp", f"timestamp is {int(age)} s old")
    if age < -tolerance:
        raise WebhookRejected("future_timestamp", f"timestamp is {int(-age)} s ahead")

    try:
        payload: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRejected("malformed_payload", "body is not JSON") from exc
    if not isinstance(payload, dict):
        raise WebhookRejected("malformed_payload", "body is not a JSON object")
    event_id, event_type = payload.get("event_id"), payload.get("type")
    if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str) or not event_type:
        raise WebhookRejected("malformed_payload", "event_id and type must be non-empty strings")
    if event_type == AUTHORIZATION_UPDATED:
        try:
            authorization = AuthorizationResult.from_json(payload.get("authorization"))
        except ProtocolError as exc:
            raise WebhookRejected("malformed_payload", f"authorization: {exc.detail}") from exc
        return WebhookEvent(event_id=event_id, type=event_type, authorization=authorization)
    try:
        application = ApplicationResult.from_json(payload.get("application"))
    except ProtocolError as exc:
        raise WebhookRejected("malformed_payload", f"application: {exc.detail}") from exc
    return WebhookEvent(event_id=event_id, type=event_type, application=application)


class SeenEvents:
    """A bounded in-memory set of event ids, for the simulator and tests (stapp stores ids in its database).

    Args:
        max_size: How many ids to remember; the oldest are forgotten first.
    """

    def __init__(self, max_size: int = 10_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._max_size = max_size
        self._lock = threading.Lock()

    def add(self, event_id: str) -> bool:
        """Record ``event_id``; return ``True`` if it is new, ``False`` if it is a replay."""
        with self._lock:
            if event_id in self._ids:
                return False
            self._ids[event_id] = None
            while len(self._ids) > self._max_size:
                self._ids.popitem(last=False)
            return True

    def __contains__(self, event_id: object) -> bool:
        with self._lock:
            return event_id in self._ids

    def __len__(self) -> int:
        with self._lock:
            return len(self._ids)
