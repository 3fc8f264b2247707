"""Where the sessions' page state lives (rxconfig.py): in memory with one worker, in Redis with several."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = ("import json, rxconfig; from reflex.istate.manager import StateManager; "
         "print(json.dumps(type(StateManager.create()).__name__))")


def _manager(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("REFLEX_REDIS_URL", "REFLEX_STATE_MANAGER_MODE")}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env={**clean, **env}, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_one_worker_without_redis_keeps_page_state_in_memory():
    """The disk manager's writer listed and stat'ed every state file on each pass: a quarter of the backend's
    CPU per filter change under fifty sessions. A restart loses only unsaved typing (the browser rehydrates)."""
    assert _manager() == "StateManagerMemory"


def test_with_redis_the_state_is_in_redis():
    url = os.environ.get("STAPP_TEST_REDIS_URL")
    if not url:
        pytest.skip("needs STAPP_TEST_REDIS_URL (.ci/run sets it)")
    assert _manager(REFLEX_REDIS_URL=url) == "StateManagerRedis"


def test_an_operator_may_still_choose_the_disk_manager():
    assert _manager(REFLEX_STATE_MANAGER_MODE="disk") == "StateManagerDisk"
