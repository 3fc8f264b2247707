"""Users and groups administration (permission Users and Groups: Manage)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, select

from stapp.db.models import Group, GroupPermission, Location, User, UserGroup
from stapp.domain.errors import NotFound, ValidationFailed
from stapp.domain.permissions import Permission
from stapp.domain.validation import Form, parse_id
from stapp.services import audit
from stapp.services.auth import Actor, hash_password
from stapp.services.authz import require

MIN_PASSWORD = 8
GRANT_NONE, GRANT_ALL, GRANT_CHOSEN = "none", "all", "chosen"
GRANT_MODES = (GRANT_NONE, GRANT_ALL, GRANT_CHOSEN)


def _ids(value: object, what: str) -> list[int]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > 1000:
        raise ValidationFailed({what: "Invalid selection."})
    try:
        return sorted({parse_id(v) for v in value})
    except ValueError:
        raise ValidationFailed({what: "Invalid selection."}) from None


def list_users(session: Session, actor: Actor) -> list[dict[str, Any]]:
    require(actor, Permission.USERS_AND_GROUPS_MANAGE)
    groups = {g.id: g.name for g in session.exec(select(Group)).all()}
    members: dict[int, list[str]] = {}
    for ug in session.exec(select(UserGroup)).all():
        members.setdefault(ug.user_id, []).append(groups.get(ug.group_id, ""))
    return [
        {
            "id": u.id,
            "name": u.name,
            "email": u.email,
            "active": u.active,
            "groups": ", ".join(sorted(members.get(u.id, []))),
            "group_ids": [str(gid) for gid in sorted(_user_group_ids(session, u.id))],
        }
        for u in session.exec(select(User).order_by(User.name)).all()
    ]


def _user_group_ids(session: Session, user_id: int) -> list[int]:
    return list(session.exec(select(UserGroup.group_id).where(UserGroup.user_id == user_id)).all())


def save_user(session: Session, actor: Actor, user_id: object, data: object) -> User:
    """Create (``user_id`` empty) or edit a user: name, email, password, active, groups."""
    require(actor, Permission.USERS_AND_GROUPS_MANAGE)
    data = data if isinstance(data, dict) else {}
    creating = user_id in (None, "", 0)
    user: User | None = None
    if not creating:
        try:
            user = session.get(User, parse_id(user_id))
        except ValueError:
            user = None
        if user is None:
            raise NotFound("This user does not exist.")
    form = Form(data)
    name = form.text("name", "Name", required=True, max_len=100)
    email = form.email("email")
    password = form.text("password", "Password", required=creating, max_len=128)
    if password and len(password) < MIN_PASSWORD:
        form.errors["password"] = f"Password must be at least {MIN_PASSWORD} characters."
    active = form.checkbox("active")
    try:
        group_ids = _ids(data.get("group_ids"), "group_ids")
    except ValidationFailed as exc:
        form.errors.update(exc.errors)
        group_ids = []
    known = set(session.exec(select(Group.id)).all())
    if any(g not in known for g in group_ids):
        form.errors["group_ids"] = "Invalid selection."
    if email and "email" not in form.errors:
        other = session.exec(select(User).where(User.email == email)).first()
        if other is not None and (user is None or other.id != user.id):
            form.errors["email"] = "Another user already has this email."
    if user is not None and user.id == actor.user_id and not active:
        form.errors["active"] = "You cannot deactivate yourself."
    form.check()
    before = None if user is None else {**audit.row_dict(user, "name", "email", "active"),
                                        "group_ids": _user_group_ids(session, user.id)}
    if user is None:
        user = User(name=name, email=email, password_hash=hash_password(password), active=active)
    else:
        user.name, user.email, user.active = name, email, active
        if password:
            user.password_hash = hash_password(password)
    session.add(user)
    session.flush()
    session.exec(delete(UserGroup).where(UserGroup.user_id == user.id))
    for gid in group_ids:
        session.add(UserGroup(user_id=user.id, group_id=gid))
    session.flush()
    audit.record(session, actor=actor, action="user.created" if before is None else "user.changed", entity="user",
                 entity_id=user.id, before=before,
                 after={**audit.row_dict(user, "name", "email", "active"), "group_ids": group_ids,
                        "password": "changed" if password else ""})
    return user


def list_groups(session: Session, actor: Actor) -> list[dict[str, Any]]:
    require(actor, Permission.USERS_AND_GROUPS_MANAGE)
    locations = {loc.id: loc.name for loc in session.exec(select(Location)).all()}
    out = []
    for g in session.exec(select(Group).order_by(Group.name)).all():
        grants = group_grants(session, g.id)
        summary = []
        for perm in Permission:
            mode, locs = grants.get(perm.value, (GRANT_NONE, []))
            if mode == GRANT_ALL:
                summary.append(perm.value)
            elif mode == GRANT_CHOSEN:
                summary.append(f"{perm.value} ({', '.join(locations.get(i, '?') for i in locs)})")
        out.append({"id": g.id, "name": g.name, "permissions": "; ".join(summary) or "No permissions"})
    return out


def group_grants(session: Session, group_id: int) -> dict[str, tuple[str, list[int]]]:
    """``{permission: (mode, [location ids])}`` for the group editor."""
    result: dict[str, tuple[str, list[int]]] = {}
    for row in session.exec(select(GroupPermission).where(GroupPermission.group_id == group_id)).all():
        mode, locs = result.get(row.permission, (GRANT_CHOSEN, []))
        if row.location_id is None:
            result[row.permission] = (GRANT_ALL, [])
        elif mode != GRANT_ALL:
            result[row.permission] = (GRANT_CHOSEN, sorted({*locs, row.location_id}))
    return result


def save_group(
    session: Session, actor: Actor, group_id: object, name: object, grants: object
) -> Group:
    """Create or edit a group; ``grants`` is ``{permission: {"mode": ..., "locations": [ids]}}``."""
    require(actor, Permission.USERS_AND_GROUPS_MANAGE)
    form = Form({"name": name})
    clean_name = form.text("name", "Name", required=True, max_len=100)
    group: Group | None = None
    if group_id not in (None, "", 0):
        try:
            group = session.get(Group, parse_id(group_id))
        except ValueError:
            group = None
        if group is None:
            raise NotFound("This group does not exist.")
    if clean_name:
        other = session.exec(select(Group).where(Group.name == clean_name)).first()
        if other is not None and (group is None or other.id != group.id):
            form.errors["name"] = "Another group already has this name."
    if not isinstance(grants, dict) or len(grants) > len(Permission):
        raise ValidationFailed({"grants": "Invalid permissions."})
    known_locations = set(session.exec(select(Location.id)).all())
    rows: list[tuple[str, int | None]] = []
    for key, spec in grants.items():
        try:
            perm = Permission(key)
        except ValueError:
            raise ValidationFailed({"grants": "Unknown permission."}) from None
        if not isinstance(spec, dict) or spec.get("mode") not in GRANT_MODES:
            raise ValidationFailed({"grants": "Invalid permissions."})
        mode = spec["mode"]
        if mode == GRANT_NONE:
            continue
        if mode == GRANT_ALL or not perm.location_scoped:
            rows.append((perm.value, None))
            continue
        locs = _ids(spec.get("locations"), "grants")
        if not locs or any(loc not in known_locations for loc in locs):
            form.errors["grants"] = f"Choose at least one valid location for {perm.value}."
            continue
        rows.extend((perm.value, loc) for loc in locs)
    form.check()
    before = None if group is None else {"name": group.name, "grants": group_grants(session, group.id)}
    if group is None:
        group = Group(name=clean_name)
    else:
        group.name = clean_name
    session.add(group)
    session.flush()
    session.exec(delete(GroupPermission).where(GroupPermission.group_id == group.id))
    for perm_name, loc in rows:
        session.add(GroupPermission(group_id=group.id, permission=perm_name, location_id=loc))
    session.flush()
    audit.record(session, actor=actor, action="group.created" if before is None else "group.permissions_changed",
                 entity="group", entity_id=group.id, before=before,
                 after={"name": clean_name, "grants": [list(r) for r in rows]})
    return group


def list_locations(session: Session) -> list[dict[str, Any]]:
    return [
        {"id": loc.id, "name": loc.name}
        for loc in session.exec(select(Location).order_by(Location.name)).all()
    ]
