import pytest
from sqlmodel import select

from stapp.db.engine import read_session, write_session
from stapp.db.models import Group, GroupPermission, Location, User
from stapp.domain.errors import PermissionDenied, ValidationFailed
from stapp.domain.permissions import Permission
from stapp.services import admin as svc
from stapp.services import auth


def test_only_users_and_groups_manage_may_list_or_change_users(actor_for):
    with read_session() as s, pytest.raises(PermissionDenied):
        svc.list_users(s, actor_for("sales@example.com"))
    with write_session() as s, pytest.raises(PermissionDenied):
        svc.save_user(s, actor_for("accounting@example.com"), None, {"name": "x", "email": "x@example.com", "password": "long-enough"})


def test_admin_creates_a_user_who_can_then_sign_in(actor_for):
    with read_session() as s:
        sales_group = s.exec(select(Group).where(Group.name == "Sales Austin")).one()
    with write_session() as s:
        svc.save_user(
            s,
            actor_for("admin@example.com"),
            None,
            {"name": "New Rep", "email": "rep@example.com", "password": "rep-password", "active": "on", "group_ids": [str(sales_group.id)]},
        )
    with write_session() as s:
        token = auth.sign_in(s, "rep@example.com", "rep-password")
    with read_session() as s:
        actor = auth.resolve(s, token)
    assert actor.grants.locations(Permission.CUSTOMERS_VIEW) is not None


def test_user_form_errors_come_back_per_field(actor_for):
    with write_session() as s, pytest.raises(ValidationFailed) as exc:
        svc.save_user(s, actor_for("admin@example.com"), None, {"name": "", "email": "sales@example.com", "password": "short", "group_ids": ["999"]})
    assert set(exc.value.errors) == {"name", "email", "password", "group_ids"}


def test_a_blank_password_on_edit_keeps_the_old_one(actor_for):
    with read_session() as s:
        sales = s.exec(select(User).where(User.email == "sales@example.com")).one()
    with write_session() as s:
        svc.save_user(s, actor_for("admin@example.com"), sales.id, {"name": "Sam S.", "email": "sales@example.com", "password": "", "active": "on"})
    with write_session() as s:
        assert auth.sign_in(s, "sales@example.com", "stapp-sales")


def test_admins_cannot_deactivate_themselves(actor_for):
    admin = actor_for("admin@example.com")
    with write_session() as s, pytest.raises(ValidationFailed) as exc:
        svc.save_user(s, admin, admin.user_id, {"name": "Ada", "email": "admin@example.com"})
    assert "active" in exc.value.errors


def test_a_group_grants_permissions_for_chosen_locations(actor_for):
    with read_session() as s:
        dallas = s.exec(select(Location).where(Location.name == "Dallas")).one()
    grants = {
        Permission.CUSTOMERS_VIEW.value: {"mode": "chosen", "locations": [str(dallas.id)]},
        Permission.USERS_AND_GROUPS_MANAGE.value: {"mode": "all"},
        Permission.FUNDING_DETAILS_VIEW.value: {"mode": "none"},
    }
    with write_session() as s:
        group = svc.save_group(s, actor_for("admin@example.com"), None, "Dallas Desk", grants)
    with read_session() as s:
        rows = {(r.permission, r.location_id) for r in s.exec(select(GroupPermission).where(GroupPermission.group_id == group.id))}
        editor = svc.group_grants(s, group.id)
    assert rows == {(Permission.CUSTOMERS_VIEW.value, dallas.id), (Permission.USERS_AND_GROUPS_MANAGE.value, None)}
    assert editor[Permission.CUSTOMERS_VIEW.value] == ("chosen", [dallas.id])


@pytest.mark.parametrize(
    "grants",
    [
        {"Nope: Never": {"mode": "all"}},
        {Permission.CUSTOMERS_VIEW.value: {"mode": "sometimes"}},
        {Permission.CUSTOMERS_VIEW.value: {"mode": "chosen", "locations": ["99999"]}},
        {Permission.CUSTOMERS_VIEW.value: {"mode": "chosen", "locations": []}},
        "everything",
    ],
)
def test_bad_group_grants_save_nothing(actor_for, grants):
    with read_session() as s:
        before = s.exec(select(GroupPermission)).all()
    with write_session() as s, pytest.raises(ValidationFailed):
        svc.save_group(s, actor_for("admin@example.com"), None, "Broken", grants)
    with read_session() as s:
        assert len(s.exec(select(GroupPermission)).all()) == len(before)
        assert s.exec(select(Group).where(Group.name == "Broken")).first() is None
