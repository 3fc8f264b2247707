"""``bench/table.py``: the README's speed table is computed from ``bench/results.json``, not typed by hand."""

import copy
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench_table", ROOT / "bench" / "table.py")
bench_table = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_table)


def _results() -> dict:
    return json.loads((ROOT / "bench" / "results.json").read_text())


def _row(text: str, start: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(f"| {start}"))
    return [cell.strip() for cell in line.strip("|").split("|")][1:]


def test_the_readme_shows_the_table_of_the_committed_results():
    """Every row of the README's table is the one ``bench/table.py`` prints from ``bench/results.json``."""
    printed = bench_table.table(_results())
    readme = (ROOT / "README.md").read_text()
    rows = [line for line in printed.splitlines() if line.startswith("| ")]
    assert len(rows) > 20
    missing = [row for row in rows if row not in readme]
    assert not missing, "README.md's table differs from `python bench/table.py`:\n" + "\n".join(missing)


def test_a_row_follows_the_results_it_summarises():
    results = _results()
    changed = copy.deepcopy(results)
    # the fastest first page of a single filter, which no run puts over its target
    first = min((q for q in changed["runs"]["sqlite"]["queries"] if q["list"] == "Company Financing"
                 and q["filter"] in bench_table.SINGLE["Company Financing"] and q["page"] == "1"),
                key=lambda q: q["rows"]["p95_ms"])
    first["rows"]["p95_ms"] = 123.4
    changed["runs"]["sqlite"]["app"]["submissions"]["50 at a time"]["p95_ms"] = 4321.0
    before, after = bench_table.table(results), bench_table.table(changed)
    assert "123.4" in _row(after, "First page, any single filter")[0]
    assert _row(after, "The same, all fifty in one instant")[0].endswith("/ 4,321 ms")
    case = f"Company Financing, {first['filter']}, page 1"
    assert f"{case}: rows p50" in after and case not in before


def test_the_reflex_alone_rows_set_the_reference_beside_stapps_cpu():
    """``bench/floor``'s figures sit beside stapp's own CPU per event; a run without them says so."""
    results = _results()
    changed = copy.deepcopy(results)
    app = changed["runs"]["sqlite"]["app"]
    app["reflex_alone"] = {"burst": {"p50_ms": 40.0, "p95_ms": 61.4, "backend_cpu_ms_per_change": 1.13},
                           "50 at a time": {"p50_ms": 240.0, "p95_ms": 272.9, "backend_cpu_ms_per_submission": 1.2}}
    app["sessions"]["50"]["burst"]["backend_cpu_ms_per_change"] = 6.57
    app["submissions"]["50 at a time"]["backend_cpu_ms_per_submission"] = 15.2
    text = bench_table.table(changed)
    assert _row(text, "Reflex alone (`bench/floor`")[0] == "61 ms (1.1 / 6.6 ms)"
    assert _row(text, "Reflex alone, all fifty in one instant")[0] == "273 ms (1.2 / 15.2 ms)"
    del changed["runs"]["sqlite"]["app"]["reflex_alone"]
    assert _row(bench_table.table(changed), "Reflex alone, all fifty")[0] == "not measured"
