"""Admin → Add-ons (Consumer Financing) and Admin → Integrations (Smart Home Pay LOS providers)."""

from __future__ import annotations

import asyncio
from typing import Any, TypedDict

import reflex as rx

from stapp.db.engine import read_session, write_session
from stapp.domain.errors import AppError, PermissionDenied, ValidationFailed
from stapp.domain.financing import PROVIDER_NAME, Environment
from stapp.domain.permissions import Permission
from stapp.domain.validation import is_row_id
from stapp.services import auth
from stapp.services import financing_setup as svc
from stapp.state.base import AppState


class AddOnsState(AppState):
    """The Consumer Financing card."""

    enabled: bool = False
    changed_by: str = ""
    changed_at: str = ""
    can_modify: bool = False
    denied: str = ""
    confirm: str = ""  # "enable" | "disable" | ""

    def _refresh(self, session, actor) -> None:  # noqa: ANN001
        status = svc.view_addon(session, actor)
        self.enabled, self.changed_by, self.changed_at = status["enabled"], status["changed_by"], status["changed_at"]
        self.can_modify = actor.grants.allows(Permission.ACCOUNT_MANAGEMENT_MODIFY)
        self.denied = ""

    @rx.event
    def load(self):
        try:
            with read_session() as session:
                self._refresh(session, self._actor(session))
        except PermissionDenied:
            self.denied = "You do not have permission to view add-ons."
        except AppError as exc:
            return self._fail(exc)
        return None

    @rx.event
    def ask(self, action: str):
        if action not in ("enable", "disable"):
            return None
        self.confirm = action
        return None

    @rx.event
    def set_confirm_open(self, value: bool):
        if not value:
            self.confirm = ""

    @rx.event
    def confirm_change(self):
        action, self.confirm = self.confirm, ""
        if action not in ("enable", "disable"):
            return None
        try:
            with write_session() as session:
                actor = self._actor(session)
                svc.set_addon(session, actor, action == "enable")
            with read_session() as session:
                self._refresh(session, self._actor(session))
        except AppError as exc:
            return self._fail(exc)
        return rx.toast.success("Consumer Financing enabled." if action == "enable" else "Consumer Financing disabled.")


class ProviderRow(TypedDict):
    id: int
    provider: str
    name: str
    environment: str
    active: bool
    last_test: str


class IntegrationsState(AppState):
    """Consumer Financing providers. The saved token never reaches this state or the browser."""

    providers: list[ProviderRow] = []
    can_create: bool = False
    can_modify: bool = False
    denied: str = ""
    form_open: bool = False
    editing_id: int = 0
    form: dict[str, str] = {}
    form_active: bool = True
    errors: dict[str, str] = {}
    testing_id: int = 0
    test_results: dict[str, str] = {}

    def _refresh(self, session, actor) -> None:  # noqa: ANN001
        self.providers = [ProviderRow(**p) for p in svc.list_providers(session, actor)]
        self.can_create = actor.grants.allows(Permission.INTEGRATIONS_CREATE)
        self.can_modify = actor.grants.allows(Permission.INTEGRATIONS_MODIFY)
        self.denied = ""

    @rx.event
    def load(self):
        try:
            with read_session() as session:
                self._refresh(session, self._actor(session))
        except PermissionDenied:
            self.providers, self.denied = [], "You do not have permission to view integrations."
        except AppError as exc:
            return self._fail(exc)
        return None

    @rx.event
    def open_new(self):
        self.editing_id = 0
        self.form = {"provider": PROVIDER_NAME, "name": PROVIDER_NAME, "environment": Environment.PRODUCTION.value}
        self.form_active, self.errors, self.form_open = True, {}, True

    @rx.event
    def open_edit(self, provider_id: int):
        row = next((p for p in self.providers if p["id"] == provider_id), None) if is_row_id(provider_id) else None
        if row is None:
            return rx.toast.error(svc.PROVIDER_NOT_FOUND)
        self.editing_id = row["id"]
        self.form = {"provider": PROVIDER_NAME, "name": row["name"], "environment": row["environment"]}
        self.form_active, self.errors, self.form_open = row["active"], {}, True
        return None

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = bool(value)

    @rx.event
    def save(self, form_data: dict):
        try:
            with write_session() as session:
                actor = self._actor(session)
                svc.save_provider(session, actor, self.editing_id or None, form_data)
            with read_session() as session:
                self._refresh(session, self._actor(session))
        except ValidationFailed as exc:
            self.errors = exc.errors
            return None
        except AppError as exc:
            return self._fail(exc)
        self.errors, self.form_open = {}, False
        return rx.toast.success("Provider saved.")

    @rx.event(background=True)
    async def test_connection(self, provider_id: int):
        """Call the provider with the saved token and say how it went."""
        if not is_row_id(provider_id):
            return
        async with self:
            if self.testing_id:
                return
            self.testing_id = provider_id
            token = self.session_token

        def _load():
            with read_session() as session:
                actor = auth.resolve(session, token)
                return actor, svc.provider_for_test(session, actor, provider_id)

        try:
            actor, provider = await asyncio.to_thread(_load)
            ok, message = await svc.test_connection(provider)

            def _save():
                with write_session() as session:
                    svc.record_test(session, provider.id, message, actor)

            await asyncio.to_thread(_save)
        except AppError as exc:
            async with self:
                self.testing_id = 0
                return self._fail(exc)
        async with self:
            self.testing_id = 0
            self.test_results = {**self.test_results, str(provider_id): message}
            with read_session() as session:
                self._refresh(session, self._actor(session))
            return rx.toast.success(message) if ok else rx.toast.error(message)


class PlansState(AppState):
    """Financing Payment Plans and Finance Provider Settings of one provider (on the Integrations page)."""

    provider_id: int = 0
    provider_name: str = ""
    plans: list[dict[str, Any]] = []
    settings: dict[str, Any] = {}
    plan_open: bool = False
    editing_plan: int = 0
    plan_form: dict[str, str] = {}
    plan_active: bool = True
    plan_errors: dict[str, str] = {}
    settings_errors: dict[str, str] = {}

    def _refresh(self, session, actor) -> None:  # noqa: ANN001
        self.plans = svc.list_plans(session, actor, self.provider_id)
        self.settings = svc.provider_settings(session, actor, self.provider_id)

    @rx.event
    def open_provider(self, provider_id: int, name: str):
        if not is_row_id(provider_id):
            return None
        try:
            with read_session() as session:
                self.provider_id = provider_id
                self._refresh(session, self._actor(session))
        except AppError as exc:
            self.provider_id = 0
            return self._fail(exc)
        self.provider_name = name if isinstance(name, str) else ""
        return None

    @rx.event
    def open_plan(self, plan_id: int):
        row = next((p for p in self.plans if p["id"] == plan_id), None) if plan_id else None
        self.editing_plan = row["id"] if row else 0
        self.plan_form = ({k: str(row[k]) for k in ("code", "description", "finance_type", "max_deposit_pct")}
                          if row else {"code": "", "description": "", "finance_type": "installment",
                                       "max_deposit_pct": "0.00"})
        self.plan_active = bool(row["active"]) if row else True
        self.plan_errors, self.plan_open = {}, True

    @rx.event
    def set_plan_open(self, value: bool):
        self.plan_open = bool(value)

    @rx.event
    def save_plan(self, form_data: dict):
        try:
            with write_session() as session:
                svc.save_plan(session, self._actor(session), self.provider_id, self.editing_plan or None, form_data)
            with read_session() as session:
                self._refresh(session, self._actor(session))
        except ValidationFailed as exc:
            self.plan_errors = exc.errors
            return None
        except AppError as exc:
            return self._fail(exc)
        self.plan_open, self.plan_errors = False, {}
        return rx.toast.success("Payment plan saved.")

    @rx.event
    def save_settings(self, form_data: dict):
        try:
            with write_session() as session:
                svc.save_provider_settings(session, self._actor(session), self.provider_id, form_data)
            with read_session() as session:
                self._refresh(session, self._actor(session))
        except ValidationFailed as exc:
            self.settings_errors = exc.errors
            return None
        except AppError as exc:
            return self._fail(exc)
        self.settings_errors = {}
        return rx.toast.success("Provider settings saved.")
