"""The app shell: navigation showing only what the user may open, and the signed-in user's menu."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from stapp.state.base import AppState


def nav_link(label: str, href: str, icon: str) -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(label, size="2"), spacing="2", align="center"),
        href=href,
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        padding_y="6px",
        padding_x="10px",
        border_radius="6px",
        _hover={"background": rx.color("accent", 3)},
        width="100%",
    )


def nav_section(title: str) -> rx.Component:
    return rx.text(title, size="1", weight="bold", color_scheme="gray", padding_x="10px", padding_top="12px")


def sidebar() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.icon("shield-check", size=22), rx.heading("stapp", size="5"), padding="10px", align="center"),
        nav_link("Dashboard", "/", "layout-dashboard"),
        rx.cond(AppState.can_customers, nav_link("Customers", "/customers", "users")),
        rx.cond(
            AppState.can_company_accounting,
            rx.fragment(
                nav_section("Accounting"),
                rx.cond(AppState.can_company_financing, nav_link("Financing", "/accounting/financing", "hand-coins")),
                nav_link("Funding Entries", "/accounting/funding-entries", "landmark"),
                nav_link("Settlement", "/accounting/settlement", "send"),
                nav_link("Sales Tax", "/accounting/sales-tax", "receipt"),
            ),
        ),
        rx.cond(
            AppState.can_admin_users | AppState.can_funding_catalogs | AppState.can_account_management
            | AppState.can_integrations,
            nav_section("Admin"),
        ),
        rx.cond(AppState.can_account_management, nav_link("Add-ons", "/admin/add-ons", "puzzle")),
        rx.cond(AppState.can_integrations, nav_link("Integrations", "/admin/integrations", "plug")),
        rx.cond(AppState.can_admin_users, nav_link("Users", "/admin/users", "user-cog")),
        rx.cond(AppState.can_admin_users, nav_link("Groups", "/admin/groups", "shield")),
        rx.cond(AppState.can_admin_users, nav_link("Audit Log", "/admin/audit-log", "scroll-text")),
        rx.cond(AppState.can_funding_catalogs, nav_link("Funding Catalogs", "/admin/funding-catalogs", "book-open")),
        spacing="1",
        width="220px",
        min_width="220px",
        padding="12px",
        height="100vh",
        position="sticky",
        top="0",
        border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2),
        aria_label="Main navigation",
    )


def topbar(title: str) -> rx.Component:
    return rx.hstack(
        rx.heading(title, size="6"),
        rx.spacer(),
        rx.color_mode.button(variant="ghost"),
        rx.text(AppState.user_name, size="2", color_scheme="gray"),
        rx.button("Sign out", on_click=AppState.sign_out, variant="soft", size="2"),
        align="center",
        width="100%",
        padding_bottom="16px",
        spacing="3",
    )


def app_shell(title: str, content: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
    """Wrap a page: nothing renders until the server has confirmed the session."""

    def page() -> rx.Component:
        return rx.cond(
            AppState.user_name != "",
            rx.hstack(
                sidebar(),
                rx.box(topbar(title), content(), padding="24px", width="100%", max_width="1200px"),
                rx.box(id="served-by", custom_attrs={"data-worker": AppState.served_by}, display="none"),
                spacing="0",
                align="start",
                width="100%",
            ),
            rx.center(rx.spinner(size="3"), height="100vh"),
        )

    page.__name__ = content.__name__
    return page


def denied_callout(message: rx.Var) -> rx.Component:
    return rx.callout(message, icon="lock", color_scheme="red", role="alert")
