"""Signing in and out, and resolving a browser's session token to an actor with grants."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, func
from sqlmodel import Session, select

from stapp.db.engine import run
from stapp.db.models import AuditEvent, AuthSession, GroupPermission, User, UserGroup
from stapp.db.types import utcnow
from stapp.domain.errors import NotSignedIn
from stapp.domain.permissions import Grants
from stapp.services import audit
from stapp.settings import get_settings

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("stapp-no-such-user")
INVALID_LOGIN = "Invalid email or password"
LOCKED_OUT = "Too many failed sign-ins for this email. Try again in 15 minutes."
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
SESSION_COOKIE = "stapp_session"


def hash_password(password: str) -> str:
    """Argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Actor:
    """The signed-in user, as every service sees them."""

    user_id: int
    name: str
    email: str
    grants: Grants


# Built once (see engine.run). ``_SESSION_ROW`` runs at the start of every handler: the session, its user and the
# user's grants in one statement, one row per grant (one row with no permission for a user without any). Two
# statements (the session with its user, then the grants) cost one more round trip on every handler, which on
# PostgreSQL is about 0.25 ms of the backend's CPU.
_GRANT_ROWS = (
    select(GroupPermission.permission, GroupPermission.location_id)
    .join(UserGroup, UserGroup.group_id == GroupPermission.group_id)
    .where(UserGroup.user_id == bindparam("user_id"))
)
_SESSION_ROW = (
    select(AuthSession.id, AuthSession.user_id, AuthSession.last_seen_at, AuthSession.ended_at, User.name, User.email,
           User.active, GroupPermission.permission, GroupPermission.location_id)
    .join(User, User.id == AuthSession.user_id)
    .outerjoin(UserGroup, UserGroup.user_id == User.id)
    .outerjoin(GroupPermission, GroupPermission.group_id == UserGroup.group_id)
    .where(AuthSession.token_hash == bindparam("token_hash"))
)


def load_grants(session: Session, user_id: int) -> Grants:
    """Merge the grants of every group the user belongs to."""
    return Grants.from_rows(run(session, _GRANT_ROWS, {"user_id": user_id}).all())


def sign_in(session: Session, email: object, password: object, *, now: datetime | None = None) -> str:
    """Check the credentials and open a session; returns the browser's token.

    Any failure raises ``NotSignedIn("Invalid email or password")`` and reveals nothing else.
    """
    if not isinstance(email, str) or not isinstance(password, str) or len(email) > 254 or len(password) > 1024:
        raise NotSignedIn(INVALID_LOGIN)
    moment = now or utcnow()
    if recent_failures(session, email, moment) >= MAX_FAILURES:
        raise NotSignedIn(LOCKED_OUT)
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        verify_password(_DUMMY_HASH, password)
        raise NotSignedIn(INVALID_LOGIN)
    if not verify_password(user.password_hash, password) or not user.active:
        raise NotSignedIn(INVALID_LOGIN)
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(token_hash=_token_hash(token), user_id=user.id, created_at=moment, last_seen_at=moment))
    audit.record(session, actor=None, email=user.email, action="auth.signed_in", entity="user", entity_id=user.id)
    return token


def recent_failures(session: Session, email: str, now: datetime) -> int:
    """Failed sign-ins for this email (known or not, so nothing is revealed) in the lockout window."""
    return session.exec(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "auth.sign_in_failed",
            AuditEvent.user_email == email.strip().lower()[:254],
            AuditEvent.at > now - LOCKOUT,
        )
    ).one()


def record_failure(email: object) -> None:
    """Audit a failed sign-in in its own transaction (the sign-in itself changed nothing)."""
    if isinstance(email, str):
        audit.record_alone(actor=None, email=email.strip().lower()[:254], action="auth.sign_in_failed",
                           entity="user", outcome="denied")


def sign_out(session: Session, token: object) -> None:
    """End the session on the server: the token no longer signs anyone in."""
    if not isinstance(token, str) or not token:
        return
    row = session.exec(select(AuthSession).where(AuthSession.token_hash == _token_hash(token))).first()
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        session.add(row)
        audit.record(session, actor=None, email="", action="auth.signed_out", entity="user", entity_id=row.user_id)


def resolve(session: Session, token: object, *, now: datetime | None = None, touch: bool = True) -> Actor:
    """The actor behind ``token``; ``NotSignedIn`` when it is unknown, ended, idle too long or inactive."""
    if not isinstance(token, str) or not token or len(token) > 200:
        raise NotSignedIn()
    moment = now or utcnow()
    rows = run(session, _SESSION_ROW, {"token_hash": _token_hash(token)}).all()
    if not rows:
        raise NotSignedIn()
    session_id, user_id, last_seen_at, ended_at, name, email, active = rows[0][:7]
    if ended_at is not None:
        raise NotSignedIn()
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    if moment - last_seen_at > idle:
        raise NotSignedIn("Your session expired. Please sign in again.")
    if not active:
        raise NotSignedIn()
    if touch and moment - last_seen_at > timedelta(minutes=1):
        # once a minute, through the ORM: saved when the caller's session commits (a write session), dropped
        # with a read session, as before
        row = session.get(AuthSession, session_id)
        if row is not None:
            row.last_seen_at = moment
            session.add(row)
    grants = Grants.from_rows((permission, location_id) for *_, permission, location_id in rows if permission is not None)
    return Actor(user_id=user_id, name=name, email=email, grants=grants)
