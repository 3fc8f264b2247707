"""The root app state: the browser's session token and what the signed-in user may open.

This module imports no other state module. Every handler that reads or changes data resolves the
actor from the session token on the server (``_actor``); nothing the browser sends is trusted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket

import reflex as rx
from sqlmodel import Session

from stapp.db.engine import read_session, write_session
from stapp.domain.errors import AppError, NotFound, NotSignedIn, PermissionDenied, ValidationFailed
from stapp.domain.permissions import Permission
from stapp.services import audit, auth, financing_setup
from stapp.services.auth import SESSION_COOKIE, Actor

log = logging.getLogger("stapp")


def worker_tag() -> str:
    """An opaque tag of the backend worker process running now (no host name or pid reaches the browser).

    Computed on each call: workers may be forked after this module was imported."""
    return "w-" + hashlib.sha256(f"{socket.gethostname()}:{os.getpid()}".encode()).hexdigest()[:8]


class AppState(rx.State):
    """Who is signed in, and which parts of the app the navigation offers them."""

    session_token: str = rx.Cookie("", name=SESSION_COOKIE, same_site="strict", path="/")
    user_name: str = ""
    user_email: str = ""
    can_customers: bool = False
    can_company_accounting: bool = False
    can_admin_users: bool = False
    can_account_management: bool = False
    can_integrations: bool = False
    can_funding_catalogs: bool = False
    can_company_financing: bool = False

    @rx.var(cache=False)
    def served_by(self) -> str:
        """The worker that handled this browser's latest event: with several workers (Redis), operations can
        tell them apart, and the production-stack browser run proves sessions and live updates cross them."""
        return worker_tag()

    def _route_id(self) -> str:
        """The ``[id]`` of the page's route (``/customers/[id]/...``), read as Reflex's own dynamic-route vars
        read it. ``router.page`` is deprecated, and its warning walks the call stack on every call."""
        value = self.rx_router_page.params.get("id", "")
        return value if isinstance(value, str) else ""

    def _actor(self, session: Session) -> Actor:
        """The signed-in actor, resolved from the server-side session on every call."""
        return auth.resolve(session, self.session_token)

    def _fail(self, exc: AppError):
        """Turn an expected failure into what the browser should see."""
        if isinstance(exc, NotSignedIn):
            self._clear_user()
            return rx.redirect("/login")
        if isinstance(exc, PermissionDenied):
            self._audit_denied(exc)
        if isinstance(exc, (PermissionDenied, NotFound, ValidationFailed)):
            return rx.toast.error(exc.message)
        return rx.toast.error(exc.message)

    def _audit_denied(self, exc: PermissionDenied) -> None:
        """Denied attempts are audited too, in a transaction of their own."""
        try:
            with read_session() as session:
                actor = self._actor(session)
        except AppError:
            actor = None
        audit.record_alone(actor=actor, action="permission.denied", entity="handler",
                           entity_id=self.router.url.path[:80] if self.router else "", outcome="denied",
                           after={"message": exc.message})

    def _clear_user(self) -> None:
        self.user_name = ""
        self.user_email = ""
        for flag in (
            "can_customers",
            "can_company_accounting",
            "can_admin_users",
            "can_account_management",
            "can_integrations",
            "can_funding_catalogs",
            "can_company_financing",
        ):
            setattr(self, flag, False)

    def _apply_actor(self, actor: Actor, session: Session) -> None:
        g = actor.grants
        self.user_name = actor.name
        self.user_email = actor.email
        self.can_customers = g.allows(Permission.CUSTOMERS_VIEW)
        self.can_company_accounting = g.allows(Permission.COMPANY_ACCOUNTING_VIEW)
        self.can_admin_users = g.allows(Permission.USERS_AND_GROUPS_MANAGE)
        self.can_account_management = g.allows(Permission.ACCOUNT_MANAGEMENT_VIEW)
        self.can_integrations = g.allows(Permission.INTEGRATIONS_VIEW)
        self.can_funding_catalogs = g.allows(Permission.FUNDING_CATALOGS_MANAGE)
        self.can_company_financing = self.can_company_accounting and financing_setup.financing_available(session)

    @rx.event
    def check_session(self):
        """On every protected page: load the user, or send the browser to sign in."""
        try:
            with read_session() as session:
                actor = self._actor(session)
                seen = not session.dirty  # resolve marks the session seen at most once a minute: then write it
                if seen:
                    self._apply_actor(actor, session)
            if not seen:
                with write_session() as session:
                    self._apply_actor(self._actor(session), session)
        except NotSignedIn:
            self._clear_user()
            return rx.redirect("/login")
        return None

    @rx.event
    def sign_out(self):
        """End the session on the server and forget the token in the browser."""
        with write_session() as session:
            auth.sign_out(session, self.session_token)
        self.session_token = ""
        self._clear_user()
        return rx.redirect("/login")


__all__ = ["AppState", "read_session", "write_session"]
