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


def test_resolving_a_session_builds_no_statement(db, monkeypatch):
    """Every handler resolves its user first: the two statements are built once at import (engine.run), not
    per call, which cost more CPU than their SQL."""
    token = _sign_in()
    monkeypatch.setattr(auth, "select", lambda *a, **k: pytest.fail("a statement was built per call"))
    with read_session() as s:
        actor = auth.resolve(s, token)
    assert actor.email == "admin@example.com" and actor.grants.allows(Permission.USERS_AND_GROUPS_MANAGE)


def test_a_grant_added_in_the_same_session_counts_before_it_is_flushed(db):
    """The prebuilt statements run on the session's connection; pending changes are flushed first, as the
    ORM's own execute would, so a membership added earlier in the transaction is seen."""
    from stapp.db.models import Group, GroupPermission, UserGroup

    token = _sign_in("sales@example.com", "stapp-sales")
    with write_session() as s:
        assert not auth.resolve(s, token).grants.allows(Permission.USERS_AND_GROUPS_MANAGE)
        group = Group(name="Admins for a test")
        s.add(group)
        s.flush()
        s.add(GroupPermission(group_id=group.id, permission=Permission.USERS_AND_GROUPS_MANAGE.value, location_id=None))
        user_id = s.exec(select(User.id).where(User.email == "sales@example.com")).one()
        s.add(UserGroup(user_id=user_id, group_id=group.id))  # pending, not flushed
        assert auth.resolve(s, token).grants.allows(Permission.USERS_AND_GROUPS_MANAGE)
