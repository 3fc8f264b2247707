"""Admin → Users and Admin → Groups (Users and Groups: Manage)."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from stapp.db.engine import read_session, write_session
from stapp.domain.errors import AppError, PermissionDenied, ValidationFailed
from stapp.domain.permissions import Permission
from stapp.domain.validation import is_row_id
from stapp.services import admin as svc
from stapp.state.base import AppState

DENIED = "You do not have permission to manage users and groups."


class UserRow(TypedDict):
    id: int
    name: str
    email: str
    active: bool
    groups: str
    group_ids: list[str]


class GroupRow(TypedDict):
    id: int
    name: str
    permissions: str


class NamedId(TypedDict):
    id: str
    name: str


class UsersState(AppState):
    """The ``/admin/users`` page."""

    users: list[UserRow] = []
    groups: list[NamedId] = []
    denied: str = ""
    form_open: bool = False
    editing_id: int = 0
    form_user: dict[str, str] = {}
    form_active: bool = True
    form_group_ids: list[str] = []
    errors: dict[str, str] = {}

    def _refresh(self) -> None:
        with read_session() as session:
            actor = self._actor(session)
            self.users = [UserRow(**u) for u in svc.list_users(session, actor)]
            self.groups = [NamedId(id=str(g["id"]), name=g["name"]) for g in svc.list_groups(session, actor)]
            self.denied = ""

    @rx.event
    def load(self):
        try:
            self._refresh()
        except PermissionDenied:
            self.users, self.groups, self.denied = [], [], DENIED
        except AppError as exc:
            return self._fail(exc)
        return None

    @rx.event
    def open_new(self):
        self.editing_id, self.form_user, self.form_active, self.form_group_ids = 0, {}, True, []
        self.errors, self.form_open = {}, True

    @rx.event
    def open_edit(self, user_id: int):
        row = next((u for u in self.users if u["id"] == user_id), None)
        if row is None:
            return rx.toast.error("This user does not exist.")
        self.editing_id = row["id"]
        self.form_user = {"name": row["name"], "email": row["email"]}
        self.form_active = row["active"]
        self.form_group_ids = list(row["group_ids"])
        self.errors, self.form_open = {}, True
        return None

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = bool(value)

    @rx.event
    def save(self, form_data: dict):
        data = dict(form_data) if isinstance(form_data, dict) else {}
        data["group_ids"] = [k.removeprefix("group_") for k, v in data.items() if k.startswith("group_") and v]
        try:
            with write_session() as session:
                actor = self._actor(session)
                svc.save_user(session, actor, self.editing_id or None, data)
        except ValidationFailed as exc:
            self.errors = exc.errors
            return None
        except AppError as exc:
            return self._fail(exc)
        self.errors, self.form_open = {}, False
        self._refresh()
        return rx.toast.success("User saved.")


GRANT_MODE_LABELS = {svc.GRANT_NONE: "Not granted", svc.GRANT_ALL: "All locations", svc.GRANT_CHOSEN: "Chosen locations"}


class GroupsState(AppState):
    """The ``/admin/groups`` page."""

    groups: list[GroupRow] = []
    locations: list[NamedId] = []
    denied: str = ""
    form_open: bool = False
    editing_id: int = 0
    form_name: str = ""
    form_modes: dict[str, str] = {}
    form_locations: dict[str, list[str]] = {}
    errors: dict[str, str] = {}

    def _refresh(self) -> None:
        with read_session() as session:
            actor = self._actor(session)
            self.groups = [GroupRow(**g) for g in svc.list_groups(session, actor)]
            self.locations = [NamedId(id=str(loc["id"]), name=loc["name"]) for loc in svc.list_locations(session)]
            self.denied = ""

    @rx.event
    def load(self):
        try:
            self._refresh()
        except PermissionDenied:
            self.groups, self.locations, self.denied = [], [], DENIED
        except AppError as exc:
            return self._fail(exc)
        return None

    def _fill_form(self, grants: dict[str, tuple[str, list[int]]]) -> None:
        self.form_modes = {p.value: grants.get(p.value, (svc.GRANT_NONE, []))[0] for p in Permission}
        self.form_locations = {p.value: [str(i) for i in grants.get(p.value, ("", []))[1]] for p in Permission}

    @rx.event
    def open_new(self):
        self.editing_id, self.form_name, self.errors = 0, "", {}
        self._fill_form({})
        self.form_open = True

    @rx.event
    def open_edit(self, group_id: int):
        try:
            with read_session() as session:
                actor = self._actor(session)
                groups = {g["id"]: g for g in svc.list_groups(session, actor)}
                if not is_row_id(group_id) or group_id not in groups:
                    return rx.toast.error("This group does not exist.")
                self._fill_form(svc.group_grants(session, group_id))
        except AppError as exc:
            return self._fail(exc)
        self.editing_id, self.form_name, self.errors = group_id, groups[group_id]["name"], {}
        self.form_open = True
        return None

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = bool(value)

    @rx.event
    def save(self, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        grants: dict[str, dict] = {}
        for perm in Permission:
            mode = data.get(f"mode::{perm.value}", svc.GRANT_NONE)
            if not perm.location_scoped and mode not in (svc.GRANT_NONE, ""):
                mode = svc.GRANT_ALL
            locs = [k.rsplit("::", 1)[1] for k, v in data.items() if k.startswith(f"loc::{perm.value}::") and v]
            grants[perm.value] = {"mode": mode or svc.GRANT_NONE, "locations": locs}
        try:
            with write_session() as session:
                actor = self._actor(session)
                svc.save_group(session, actor, self.editing_id or None, data.get("name"), grants)
        except ValidationFailed as exc:
            self.errors = exc.errors
            return None
        except AppError as exc:
            return self._fail(exc)
        self.errors, self.form_open = {}, False
        self._refresh()
        return rx.toast.success("Group saved.")
