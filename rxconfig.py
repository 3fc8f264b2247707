"""Reflex configuration: app name, database URL and allowed origins, all from the environment."""

import os
import sys

import reflex as rx

from stapp.settings import get_settings

_settings = get_settings()
# `reflex run --backend-only` (backend workers behind a proxy, and the benchmark) refuses a frontend port
_backend_only = "--backend-only" in sys.argv
# One worker without Redis keeps the sessions' page state in memory, not in `.states/`: the disk manager's
# writer listed and stat'ed every state file on each pass, 15% of the backend's CPU samples under fifty sessions
# changing filters (A/B CPU per change 11.3-15.5 -> 10.2-12.6 ms). A restarted backend loses only what a page held
# unsaved (an open dialog's typing): the browser's reconnect hydrates again and the page reloads from the
# database. With REFLEX_REDIS_URL (several workers) the mode is left to Reflex, which picks Redis.
# Several workers share the sessions' state in Redis. Reflex's opportunistic lock lets the worker that holds a
# session's websocket keep that session's state between its events (flushed to Redis within 5 s, or at once when
# another worker asks for it) instead of locking, reading, unpickling, pickling and writing it on every event: the
# production stack's CPU per submission (fifty at once) 15.7 -> 11.3 ms, p95 0.74 -> 0.64 s. An operator may still
# set REFLEX_OPLOCK_ENABLED=false.
if os.environ.get("REFLEX_REDIS_URL"):
    os.environ.setdefault("REFLEX_OPLOCK_ENABLED", "true")
_state = {} if os.environ.get("REFLEX_REDIS_URL") or os.environ.get("REFLEX_STATE_MANAGER_MODE") else {
    "state_manager_mode": rx.constants.StateManagerMode.MEMORY}

config = rx.Config(
    app_name="stapp",
    db_url=_settings.database_url,
    frontend_port=None if _backend_only else _settings.port,
    backend_port=_settings.port,
    cors_allowed_origins=list(_settings.cors_allowed_origins),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
    **_state,
)
