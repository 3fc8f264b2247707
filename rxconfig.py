"""Reflex configuration: app name, database URL and allowed origins, all from the environment."""

import sys

import reflex as rx

from stapp.settings import get_settings

_settings = get_settings()
# `reflex run --backend-only` (backend workers behind a proxy, and the benchmark) refuses a frontend port
_backend_only = "--backend-only" in sys.argv

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
)
