"""The README's speed table, from ``bench/results.json`` (``make bench`` writes it): ``python bench/table.py``.

Every row is computed from the one run in the file, so the table and the file cannot drift apart. Ranges are the
smallest and largest of the cases a row groups (rows p95 unless it says otherwise); a case whose p95 is over its
database's target is listed under the table with its p50 (one slow sample of twenty shows as the p95).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"
TARGET_MS = {"sqlite": 10.0, "postgresql": 25.0}
SINGLE = {"Funding Entries": ("none", "status", "outcome", "funder", "location", "created range"),
          "Company Financing": ("none", "status", "stage", "location", "created range")}


def _cases(run: dict, lst: str | None = None) -> list[dict]:
    return [q for q in run["queries"] if "rows" in q and (lst is None or q["list"] == lst)]


def _kind(q: dict) -> str:
    page = q["page"]
    return "next" if page.endswith("next") else ("first" if page == "1" else "typed")


def _span(values: list[float]) -> str:
    if not values:
        return "-"
    lo, hi = min(values), max(values)
    return f"{lo:.1f}" if f"{lo:.1f}" == f"{hi:.1f}" else f"{lo:.1f}-{hi:.1f}"


def _p95(cases: list[dict], kind: str, key: str = "rows") -> str:
    return _span([q[key]["p95_ms"] for q in cases if _kind(q) == kind])


def _p50(cases: list[dict], kind: str) -> str:
    return _span([q["rows"]["p50_ms"] for q in cases if _kind(q) == kind])


def _single(run: dict, lst: str) -> list[dict]:
    return [q for q in _cases(run, lst) if q["filter"] in SINGLE[lst]]


def _by(run: dict, prefix: str) -> list[dict]:
    """Sorts: ``by X`` over every row, ``location, by X`` within one office; other ``..., by X`` a filter."""
    out = []
    for q in _cases(run):
        head, sep, _ = q["filter"].partition("by ")
        if not sep:
            continue
        if (prefix == "" and head == "") or (prefix == "location" and head == "location, ") or (
                prefix == "filter" and head not in ("", "location, ")):
            out.append(q)
    return out


def _three(cases: list[dict]) -> str:
    return " / ".join(_p95(cases, kind) for kind in ("first", "typed", "next")) + " ms"


def _per_list(run: dict, fmt) -> str:  # noqa: ANN001
    return "; ".join(f"{lst} {fmt(_single(run, lst))}" for lst in SINGLE)


def _app_rows(runs: dict) -> list[tuple[str, list[str]]]:
    def cell(name: str, fn) -> str:  # noqa: ANN001
        app = runs[name].get("app")
        return fn(app) if app else "not measured"

    def sessions(app: dict) -> str:
        s = app["sessions"]
        return " / ".join(f"{s[n]['paced']['p95_ms']:.0f}" for n in ("1", "10", "50")) + \
            f" ms ({s['50']['paced']['p50_ms']:.0f})"

    def submission(label: str):  # noqa: ANN202
        return lambda app: f"{app['submissions'][label]['p50_ms']:,.0f} / {app['submissions'][label]['p95_ms']:,.0f} ms"

    def cpu(app: dict) -> str:
        at_once = app["submissions"]["50 at a time"]
        return f"{at_once['backend_cpu_ms_per_submission']} ms ({at_once['backend_cpu_share_of_wall']})"

    def alone(shape: str, per: str, stapp_cpu):  # noqa: ANN001, ANN202
        """``bench/floor``'s figure for ``shape``, with the backend CPU per event: Reflex alone / stapp."""
        def cell(app: dict) -> str:
            floor = app.get("reflex_alone", {}).get(shape)
            if not floor:
                return "not measured"
            cpu = stapp_cpu(app)
            return f"{floor['p95_ms']:.0f} ms ({floor[per]:.1f} / {cpu:.1f} ms)" if cpu is not None else \
                f"{floor['p95_ms']:.0f} ms ({floor[per]:.1f} ms)"
        return cell

    def counts(app: dict) -> str:
        s = app["submissions"]
        return f"{s['submitted']} / {s['at_simulator']} / {s['in_database']} ({s['still_unknown_after_reconciler']})"

    names = list(runs)
    rows = [
        ("Filter change to new rows over the websocket, 1 / 10 / 50 sessions, paced, p95 (p50 at 50)", sessions),
        ("The same, 50 sessions firing back to back (burst), p95",
         lambda app: f"{app['sessions']['50']['burst']['p95_ms']:.0f} ms"),
        ("Reflex alone (`bench/floor`: the same events and deltas, no work behind them), 50 sessions back to back, "
         "p95 (backend CPU per change: Reflex alone / stapp)",
         alone("burst", "backend_cpu_ms_per_change",
               lambda app: app["sessions"]["50"]["burst"].get("backend_cpu_ms_per_change"))),
        ("Submission to decision in the client, provider 200 ms, p50 / p95: one rep alone", submission("1 at a time")),
        ("The same, fifty reps each clicking Submit at a random moment of the same 5 s", submission("50 within 5 s")),
        ("The same, all fifty in one instant", submission("50 at a time")),
        ("Reflex alone, all fifty in one instant, p95 (backend CPU per submission: Reflex alone / stapp)",
         alone("50 at a time", "backend_cpu_ms_per_submission",
               lambda app: app["submissions"]["50 at a time"]["backend_cpu_ms_per_submission"])),
        ("Backend CPU per submission while the fifty of one instant are under way (cores kept busy)", cpu),
        ("Applications submitted / at the simulator / in the database (Outcome Unknown left)", counts),
        ("Backend memory per connected session (50 sessions)",
         lambda app: f"{app['sessions']['50']['memory_per_session_kib']:.0f} KiB"),
    ]
    return [(label, [cell(n, fn) for n in names]) for label, fn in rows]


def table(results: dict) -> str:
    runs = results["runs"]
    names = list(runs)
    head = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, fn) -> None:  # noqa: ANN001
        rows.append((label, [fn(runs[n]) for n in names]))

    row("First page, any single filter, rows p50 / p95",
        lambda r: _per_list(r, lambda c: f"{_p50(c, 'first')} / {_p95(c, 'first')} ms"))
    row("Expected range (Funding Entries), page 1 / typed deep / Next to it, rows p95",
        lambda r: _three([q for q in _cases(r, "Funding Entries") if q["filter"] == "expected range"]))
    row("Next page deep in the results (keyset, page 400 or the last), single filters, rows p95",
        lambda r: _per_list(r, lambda c: f"{_p95(c, 'next')} ms"))
    row("A page typed into the URL (`page=400`, no cursor), single filters, rows p95",
        lambda r: _per_list(r, lambda c: f"{_p95(c, 'typed')} ms"))
    row("Every other sort over every row, rows p95: page 1 / typed page 400 / Next to it",
        lambda r: _three(_by(r, "")))
    row("The same sorts within one office, rows p95: page 1 / typed deep page / Next to it",
        lambda r: _three(_by(r, "location")))
    row("A filter sorted by another column (Created range by ID or Customer, a funder and outcome by Amount Expected "
        "or Status, an Expected range by Expected Date, Approved by Stage, in a quarter by Amount Financed, at three "
        "offices by Amount Requested), rows p95: page 1 / typed page 400 / Next to it",
        lambda r: _three(_by(r, "filter")))
    row("Combined filters, rows p95, page 1 / the last page typed / Next to it (Funding Entries; company Financing)",
        lambda r: "; ".join(_three([q for q in _cases(r, lst) if q["filter"] == "combined"]) for lst in SINGLE))
    row("Summary totals (trigger-kept tallies), p95: company Financing; Funding Entries",
        lambda r: "; ".join(_span([q["summary"]["p95_ms"] for q in _cases(r, lst) if "summary" in q]) + " ms"
                            for lst in ("Company Financing", "Funding Entries")))
    row("Dashboard figures: 30 days / quarter / year (p50)",
        lambda r: " / ".join(f"{q['p50_ms']:.0f}" for q in r["queries"] if q["list"] == "Dashboard") + " ms")
    row("Funding tab, 1,020 transactions (server p50 / p95; state sent)",
        lambda r: "; ".join(f"{q['p50_ms']:.1f} / {q['p95_ms']:.1f} ms; {q['bytes']:,} bytes"
                            for q in r["queries"] if q["list"] == "Funding tab"))
    rows += _app_rows(runs)

    def refs(r: dict, start: str) -> dict:
        return next(x for x in r["references"] if x["reference"].startswith(start))

    row("A whole page through stapp against the driver replaying the page's own statements (p50, per case)",
        lambda r: f"{r['page_overhead']['min']:.1f}x-{r['page_overhead']['max']:.1f}x, median "
                  f"{r['page_overhead']['median']:.1f}x")
    row("stapp's first-page rows against the bare driver, one 25-row statement",
        lambda r: (lambda x: f"{x['ratio']:.1f}x ({x['stapp_p50_ms']:.2f} vs {x['p50_ms']:.2f} ms)")(
            refs(r, "bare driver")))
    row("Faster than loading 100,000 rows into state and filtering in Python (10,000 rows)",
        lambda r: f"{refs(r, 'load everything, 100,000')['ratio']:,.0f}x "
                  f"({refs(r, 'load everything, 10,000')['ratio']:,.0f}x)")

    lines = ["| What | " + " | ".join(head.get(n, n) for n in names) + " |",
             "|---|" + "---|" * len(names)]
    lines += [f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows]
    over = []
    for n in names:
        for q in _cases(runs[n]):
            if q["rows"]["p95_ms"] > TARGET_MS.get(n, 10.0):
                over.append(f"{head.get(n, n)}: {q['list']}, {q['filter']}, page {q['page']}: rows p50 "
                            f"{q['rows']['p50_ms']:.1f} / p95 {q['rows']['p95_ms']:.1f} ms")
    lines.append("")
    lines.append("Cases over their database's target in rows p95 (10 ms SQLite, 25 ms PostgreSQL): "
                 + ("; ".join(over) if over else "none") + ".")
    return "\n".join(lines)


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS
    print(table(json.loads(path.read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
