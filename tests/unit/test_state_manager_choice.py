"""Where the sessions' page state lives (rxconfig.py): in memory with one worker, in Redis with several."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = ("import json, rxconfig; from reflex.istate.manager import StateManager; "
         "m = StateManager.create(); print(json.dumps([type(m).__name__, getattr(m, '_oplock_enabled', None)]))")
CHOICES = ("REFLEX_REDIS_URL", "REFLEX_STATE_MANAGER_MODE", "REFLEX_OPLOCK_ENABLED")


def _created(**env: str) -> tuple[str, bool | None]:
    """The state manager a worker creates with ``env``, and whether it holds sessions' locks opportunistically."""
    clean = {k: v for k, v in os.environ.items() if k not in CHOICES}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env={**clean, **env}, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    name, oplock = json.loads(out.strip().splitlines()[-1])
    return name, oplock


def _manager(**env: str) -> str:
    return _created(**env)[0]


def _redis_url() -> str:
    url = os.environ.get("STAPP_TEST_REDIS_URL")
    if not url:
        pytest.skip("needs STAPP_TEST_REDIS_URL (.ci/run sets it)")
    return url


def test_one_worker_without_redis_keeps_page_state_in_memory():
    """The disk manager's writer listed and stat'ed every state file on each pass: a quarter of the backend's
    CPU per filter change under fifty sessions. A restart loses only unsaved typing (the browser rehydrates)."""
    assert _manager() == "StateManagerMemory"


def test_with_redis_the_state_is_in_redis_and_held_by_the_sessions_worker():
    """Reflex's opportunistic lock: the worker serving a session keeps its state between events instead of a
    lock, a read and a write in Redis on each (production stack, fifty submissions at once: 15.7 -> 11.3 ms of
    CPU each). It is off in Reflex by default."""
    assert _created(REFLEX_REDIS_URL=_redis_url()) == ("StateManagerRedis", True)


def test_an_operator_may_turn_the_opportunistic_lock_off():
    assert _created(REFLEX_REDIS_URL=_redis_url(), REFLEX_OPLOCK_ENABLED="false") == ("StateManagerRedis", False)


def test_an_operator_may_still_choose_the_disk_manager():
    assert _manager(REFLEX_STATE_MANAGER_MODE="disk") == "StateManagerDisk"
