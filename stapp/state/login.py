"""Sign-in page state."""

from __future__ import annotations

import reflex as rx

from stapp.db.engine import read_session, write_session
from stapp.domain.errors import NotSignedIn
from stapp.services import auth
from stapp.state.base import AppState


class LoginState(AppState):
    """The sign-in form."""

    error: str = ""
    busy: bool = False

    @rx.event
    def load(self):
        """Already signed in? Go to the dashboard."""
        self.error = ""
        try:
            with read_session() as session:
                auth.resolve(session, self.session_token, touch=False)
        except NotSignedIn:
            return None
        return rx.redirect("/")

    @rx.event
    def sign_in(self, form_data: dict):
        """Check the credentials on the server; a wrong one reveals nothing but the one message."""
        data = form_data if isinstance(form_data, dict) else {}
        try:
            with write_session() as session:
                token = auth.sign_in(session, data.get("email"), data.get("password"))
        except NotSignedIn as exc:
            auth.record_failure(data.get("email"))
            self.error = exc.message
            return None
        self.error = ""
        self.session_token = token
        return rx.redirect("/")
