from datetime import timedelta

import pytest
from sqlmodel import select

from stapp.db.engine import read_session, write_session
from stapp.db.models import AuthSession, User
from stapp.db.types import utcnow
from stapp.domain.errors import NotSignedIn
from stapp.domain.permissions import Permission
from stapp.services import auth


def _sign_in(email="admin@example.com", password="stapp-admin", **kw):
    with write_session() as s:
        return auth.sign_in(s, email, password, **kw)


def test_the_right_password_opens_a_session_for_that_user(db):
    token = _sign_in()
    with read_session() as s:
        actor = auth.resolve(s, token)
    assert actor.email == "admin@example.com"
    assert actor.grants.allows(Permission.USERS_AND_GROUPS_MANAGE)


@pytest.mark.parametrize(
    ("email", "password"),
    [("admin@example.com", "wrong"), ("nobody@example.com", "stapp-admin"), ("", ""), (None, None), ({"$ne": 1}, [])],
)
def test_any_bad_credential_gets_the_same_message(db, email, password):
    with pytest.raises(NotSignedIn) as exc:
        _sign_in(email, password)
    assert exc.value.message == "Invalid email or password"


def test_passwords_are_stored_as_argon2_hashes(db):
    with read_session() as s:
        user = s.exec(select(User).where(User.email == "admin@example.com")).one()
    assert user.password_hash.startswith("$argon2id$")
    assert "stapp-admin" not in user.password_hash


def test_an_inactive_user_cannot_sign_in_or_keep_a_session(db):
    token = _sign_in()
    with write_session() as s:
        user = s.exec(select(User).where(User.email == "admin@example.com")).one()
        user.active = False
    with pytest.raises(NotSignedIn):
        _sign_in()
    with read_session() as s, pytest.raises(NotSignedIn):
        auth.resolve(s, token)


def test_sign_out_ends_the_session_on_the_server(db):
    token = _sign_in()
    with write_session() as s:
        auth.sign_out(s, token)
    with read_session() as s, pytest.raises(NotSignedIn):
        auth.resolve(s, token)


def test_a_session_idle_longer_than_the_limit_expires(db):
    long_ago = utcnow() - timedelta(hours=5)
    token = _sign_in(now=long_ago)
    with read_session() as s, pytest.raises(NotSignedIn, match="expired"):
        auth.resolve(s, token)


def test_only_a_hash_of_the_token_is_stored(db):
    token = _sign_in()
    with read_session() as s:
        hashes = [row.token_hash for row in s.exec(select(AuthSession)).all()]
    assert token not in hashes and len(hashes) == 1


@pytest.mark.parametrize("token", ["", "made-up", None, 123, "x" * 500])
def test_unknown_tokens_are_not_signed_in(db, token):
    with read_session() as s, pytest.raises(NotSignedIn):
        auth.resolve(s, token)


def test_resolving_in_a_read_session_never_writes_even_when_another_writer_went_first(db):
    """A read session whose snapshot predates another connection's commit cannot become a writer on SQLite
    ("database is locked", at once): resolve's once-a-minute touch must not be flushed there."""
    token = _sign_in()
    with write_session() as s:  # last seen long enough ago that resolve wants to touch it
        row = s.exec(select(AuthSession)).one()
        row.last_seen_at = utcnow() - timedelta(minutes=5)
    with read_session() as reader:
        reader.exec(select(User)).all()  # the read transaction has its snapshot now
        with write_session() as writer:  # another request commits meanwhile
            writer.exec(select(User).where(User.email == "admin@example.com")).one().name = "Admin (renamed)"
        actor = auth.resolve(reader, token)  # must not try to write
        assert actor.email == "admin@example.com"
    with write_session() as s:  # a write session still records the touch
        auth.resolve(s, token)
    with read_session() as s:
        assert utcnow() - s.exec(select(AuthSession)).one().last_seen_at < timedelta(minutes=1)
