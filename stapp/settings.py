"""Settings read once from ``STAPP_*`` environment variables and validated at start."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _int_env(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise RuntimeError(f"{name} must be at least {minimum}, got {value}")
    return value


def _secret(name: str, filename: str) -> str:
    """A secret from the environment, or from ``var/<filename>`` (which ``make run`` creates on first start)."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    path = ROOT / "var" / filename
    return path.read_text().strip() if path.exists() else ""


def ensure_local_secrets() -> None:
    """Create ``var/secret.key`` and ``var/webhook.secret`` once, readable only by this user."""
    import secrets

    for filename in ("secret.key", "webhook.secret"):
        path = ROOT / "var" / filename
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
    get_settings.cache_clear()


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment."""

    database_url: str
    port: int
    session_idle_minutes: int
    cors_allowed_origins: tuple[str, ...] = field(default_factory=tuple)
    redis_url: str | None = None
    secret_key: str = ""
    provider_urls: dict[str, str] = field(default_factory=dict)
    webhook_secret: str = ""
    public_url: str = ""
    simulator_port: int = 8765
    reconcile_seconds: int = 15

    def provider_url(self, environment: str) -> str:
        """The base URL for a provider Environment (Development, Staging, Production)."""
        return self.provider_urls[environment]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read and validate the settings once per process."""
    default_db = f"sqlite:///{ROOT / 'var' / 'stapp.db'}"
    port = _int_env("STAPP_PORT", 3000, minimum=1)
    origins_raw = os.environ.get("STAPP_ALLOWED_ORIGINS", "").strip()
    origins = tuple(o.strip() for o in origins_raw.split(",") if o.strip()) or (
        f"http://localhost:{port}",
        f"http://127.0.0.1:{port}",
    )
    simulator_port = _int_env("STAPP_SIMULATOR_PORT", 8765, minimum=1)
    simulator = f"http://127.0.0.1:{simulator_port}"
    provider_urls = {
        env: os.environ.get(f"STAPP_PROVIDER_URL_{env.upper()}", "").strip() or simulator
        for env in ("Development", "Staging", "Production")
    }
    return Settings(
        secret_key=_secret("STAPP_SECRET_KEY", "secret.key"),
        webhook_secret=_secret("STAPP_WEBHOOK_SECRET", "webhook.secret"),
        provider_urls=provider_urls,
        public_url=os.environ.get("STAPP_PUBLIC_URL", "").strip() or f"http://localhost:{port}",
        simulator_port=simulator_port,
        reconcile_seconds=_int_env("STAPP_RECONCILE_SECONDS", 15, minimum=1),
        database_url=os.environ.get("STAPP_DATABASE_URL", "").strip() or default_db,
        port=port,
        session_idle_minutes=_int_env("STAPP_SESSION_IDLE_MINUTES", 120, minimum=1),
        cors_allowed_origins=origins,
        redis_url=os.environ.get("REFLEX_REDIS_URL", "").strip() or None,
    )
