"""Admin → Funding Catalogs (Funding Catalogs: Manage)."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from stapp.db.engine import read_session, write_session
from stapp.domain.errors import AppError, PermissionDenied, ValidationFailed
from stapp.domain.funding import CatalogKind
from stapp.services import catalogs as svc
from stapp.state.base import AppState


class CatalogRow(TypedDict):
    id: int
    name: str
    active: bool
    used: int


class CatalogsState(AppState):
    """All four catalogs, each with its own add form and errors."""

    entries: dict[str, list[CatalogRow]] = {k.value: [] for k in CatalogKind}
    add_errors: dict[str, str] = {}
    denied: str = ""
    rename_open: bool = False
    rename_id: int = 0
    rename_name: str = ""
    rename_error: str = ""
    delete_open: bool = False
    delete_id: int = 0
    delete_name: str = ""

    def _refresh(self) -> None:
        with read_session() as session:
            actor = self._actor(session)
            self.entries = {k.value: [CatalogRow(**r) for r in svc.list_catalog(session, actor, k)] for k in CatalogKind}
        self.denied = ""

    def _find(self, entry_id: object) -> CatalogRow | None:
        if not isinstance(entry_id, int) or isinstance(entry_id, bool):
            return None
        return next((r for rows in self.entries.values() for r in rows if r["id"] == entry_id), None)

    @rx.event
    def load(self):
        try:
            self._refresh()
        except PermissionDenied:
            self.entries = {k.value: [] for k in CatalogKind}
            self.denied = "You do not have permission to manage the funding catalogs."
        except AppError as exc:
            return self._fail(exc)
        return None

    @rx.event
    def add(self, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        kind = data.get("kind", "")
        try:
            with write_session() as session:
                entry = svc.add_entry(session, self._actor(session), kind, data.get("name"))
                name = entry.name
            self._refresh()
        except ValidationFailed as exc:
            self.add_errors = {str(kind): exc.errors.get("name", exc.message)}
            return None
        except AppError as exc:
            return self._fail(exc)
        self.add_errors = {}
        return [rx.toast.success(f"{name} added."), rx.set_value(f"new-{kind}", "")]

    @rx.event
    def open_rename(self, entry_id: int):
        row = self._find(entry_id)
        if row is None:
            return rx.toast.error("This catalog entry does not exist.")
        self.rename_id, self.rename_name, self.rename_error, self.rename_open = row["id"], row["name"], "", True
        return None

    @rx.event
    def set_rename_open(self, value: bool):
        self.rename_open = bool(value)

    @rx.event
    def save_rename(self, form_data: dict):
        data = form_data if isinstance(form_data, dict) else {}
        try:
            with write_session() as session:
                svc.rename_entry(session, self._actor(session), self.rename_id, data.get("name"))
            self._refresh()
        except ValidationFailed as exc:
            self.rename_error = exc.errors.get("name", exc.message)
            return None
        except AppError as exc:
            return self._fail(exc)
        self.rename_open, self.rename_error = False, ""
        return rx.toast.success("Renamed.")

    @rx.event
    def set_active(self, entry_id: int, active: bool):
        try:
            with write_session() as session:
                svc.set_active(session, self._actor(session), entry_id, active)
            self._refresh()
        except AppError as exc:
            return self._fail(exc)
        return None

    @rx.event
    def ask_delete(self, entry_id: int):
        row = self._find(entry_id)
        if row is None:
            return rx.toast.error("This catalog entry does not exist.")
        self.delete_id, self.delete_name, self.delete_open = row["id"], row["name"], True
        return None

    @rx.event
    def set_delete_open(self, value: bool):
        self.delete_open = bool(value)

    @rx.event
    def confirm_delete(self):
        self.delete_open = False
        try:
            with write_session() as session:
                name = svc.delete_entry(session, self._actor(session), self.delete_id)
            self._refresh()
        except AppError as exc:
            return self._fail(exc)
        return rx.toast.success(f"{name} deleted.")
