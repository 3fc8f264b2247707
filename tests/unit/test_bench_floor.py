"""``bench/floor`` (Reflex alone, the reference under the bench's whole-app figures) mirrors stapp's page state."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_PROBE = ("import json; from floor.floor import FloorState as F; "
          "print(json.dumps({'name': F.get_name(), 'vars': sorted([*F.base_vars, *F.computed_vars])}))")


def _floor() -> dict:
    """The floor's state as Reflex sees it, imported in a process of its own (its own state tree)."""
    out = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT / "bench" / "floor", capture_output=True, text=True,
                         check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_floor_declares_every_var_a_filter_change_sends_under_the_name_the_bench_addresses():
    """The bench replays each delta stapp's company Financing page sent into the floor's state, var by var, and
    addresses that state by name: a var stapp's list page gains, or a rename, fails here, not an hour into a bench."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import ws
    finally:
        sys.path.remove(str(ROOT / "bench"))
    from stapp.state.company_financing import CompanyFinancingState

    floor = _floor()
    assert floor["name"] == ws.FLOOR_STATE.rpartition(".")[2]
    sent = {name for name in [*CompanyFinancingState.base_vars, *CompanyFinancingState.computed_vars]
            if name.islower() and not name.startswith("_")} - {"options"}  # a change leaves the choices as they are
    assert sent and sent <= set(floor["vars"]), sorted(sent - set(floor["vars"]))
