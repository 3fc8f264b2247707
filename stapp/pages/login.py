"""``/login``."""

import reflex as rx

from stapp.state.login import LoginState


def login_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.hstack(rx.icon("shield-check", size=28), rx.heading("Sign in to stapp", size="6"), align="center"),
                    rx.el.label("Email", html_for="email", style={"fontSize": "14px", "fontWeight": 500}),
                    rx.input(name="email", id="email", type="email", auto_complete="username", required=True, width="100%"),
                    rx.el.label("Password", html_for="password", style={"fontSize": "14px", "fontWeight": 500}),
                    rx.input(
                        name="password",
                        id="password",
                        type="password",
                        auto_complete="current-password",
                        required=True,
                        width="100%",
                    ),
                    rx.cond(LoginState.error, rx.callout(LoginState.error, icon="triangle-alert", color_scheme="red", role="alert")),
                    rx.button("Sign in", type="submit", width="100%", size="3"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=LoginState.sign_in,
                reset_on_submit=False,
                no_validate=True,
            ),
            width="380px",
            padding="24px",
        ),
        height="100vh",
    )
