"""The bench's reference app: Reflex alone, the same events as stapp's pages with no work behind them."""

import os

import reflex as rx

_state = {} if os.environ.get("REFLEX_REDIS_URL") else {"state_manager_mode": rx.constants.StateManagerMode.MEMORY}
if os.environ.get("REFLEX_REDIS_URL"):
    os.environ.setdefault("REFLEX_OPLOCK_ENABLED", "true")  # as stapp's own rxconfig

config = rx.Config(
    app_name="floor",
    frontend_port=None,
    backend_port=int(os.environ.get("FLOOR_PORT", "8010")),
    cors_allowed_origins=["*"],
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[rx.plugins.SitemapPlugin],
    **_state,
)
