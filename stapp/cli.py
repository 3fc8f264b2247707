"""``python -m stapp.cli migrate|seed|run``: what ``make run`` does, step by step.

``run`` applies the migrations, seeds the demo data on an empty database, starts the app at
``http://localhost:$STAPP_PORT`` and stops everything it started on Ctrl-C (or SIGTERM).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from stapp.settings import ROOT, ensure_local_secrets, get_settings

REFLEX_ENV = {
    "REFLEX_TELEMETRY_ENABLED": "false",
    "REFLEX_CHECK_LATEST_VERSION": "0",
    "REFLEX_HTTP_CLIENT_BIND_ADDRESS": "0.0.0.0",  # noqa: S104  (Reflex's outbound IP probe, not a listener)
    "NPM_CONFIG_REGISTRY": "https://registry.npmjs.org",
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({k: v for k, v in REFLEX_ENV.items() if k not in env})
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    return env


def _reflex(*args: str) -> list[str]:
    return [sys.executable, "-m", "reflex", *args]


def migrate() -> None:
    """Upgrade the database to the newest migration."""
    subprocess.run(_reflex("db", "migrate"), cwd=ROOT, env=_env(), check=True)


def seed() -> bool:
    """Seed the demo data when the database has no users. Returns True when it seeded."""
    from stapp.db.engine import write_session
    from stapp.services.demo import is_empty, seed_demo

    with write_session() as session:
        if not is_empty(session):
            return False
        seed_demo(session)
    return True


def _wait_for_port(port: int, seconds: float = 20) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"the provider simulator did not start on port {port}")


def run() -> int:
    """Migrate, seed, start the provider simulator and the app; stop everything on Ctrl-C."""
    if not os.environ.get("STAPP_SECRET_KEY") or not os.environ.get("STAPP_WEBHOOK_SECRET"):
        ensure_local_secrets()
    settings = get_settings()
    migrate()
    if seed():
        print("Seeded the demo data.", flush=True)
    children: list[subprocess.Popen] = []
    if not os.environ.get("STAPP_NO_SIMULATOR"):
        simulator = subprocess.Popen(
            [sys.executable, "-m", "stapp.provider.simulator", "--port", str(settings.simulator_port),
             "--webhook-secret", settings.webhook_secret, "--log-level", "warning"],
            cwd=ROOT,
            env=_env(),
            start_new_session=True,
        )
        children.append(simulator)
        _wait_for_port(settings.simulator_port)
    app = subprocess.Popen(
        _reflex("run", "--env", "prod", "--frontend-port", str(settings.port), "--backend-port", str(settings.port)),
        cwd=ROOT,
        env=_env(),
        start_new_session=True,
    )
    children.append(app)
    print(
        f"\nstapp is starting at http://localhost:{settings.port}\n"
        f"Smart Home Pay LOS simulator at http://127.0.0.1:{settings.simulator_port} (sandbox token: see the README)\n"
        "Demo sign-ins:\n"
        "  admin@example.com      / stapp-admin\n"
        "  sales@example.com      / stapp-sales\n"
        "  accounting@example.com / stapp-accounting\n"
        "Press Ctrl-C to stop.\n",
        flush=True,
    )

    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
    finally:
        for child in children:
            if child.poll() is None:
                try:
                    os.killpg(child.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
    failed = [c.returncode for c in children if c.returncode not in (0, None, -signal.SIGTERM, -signal.SIGINT)]
    return 0 if stopping or not failed else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stapp")
    parser.add_argument("command", choices=["migrate", "seed", "run"])
    args = parser.parse_args(argv)
    if args.command == "migrate":
        migrate()
    elif args.command == "seed":
        print("Seeded the demo data." if seed() else "The database already has data; nothing seeded.")
    else:
        return run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
