"""``make bench-matrix``: every sort of both company lists, both directions, under each of a set of filters.

``make bench`` times chosen cases in depth (p50 and p95 of 20 runs, the driver floor, the app over the websocket);
this sweep times the whole page as a user gets it (summary included) for every sort and direction under each filter
and some pairs: page 1, a page typed deep (400, or the last), and Next to it from the page before. Medians of a few
runs, on the bench's own databases (run ``make bench`` first). It prints the cases over the issue's query targets
(10 ms on SQLite, 25 ms on PostgreSQL), or every case with ``--all``, and a count. It found the pages the bench's
cases missed (a filter sorted by another column; Next pages across NULL keys on PostgreSQL).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_MS = {"sqlite": 10.0, "postgresql": 25.0}

APPLICATION_FILTERS = {
    "status": {"statuses": "Approved"}, "offices": {"locations": "3,4,5"}, "stage": {"stages": "funded"},
    "quarter": {"created_from": "2026-01-01", "created_to": "2026-03-31"},
    "status+offices": {"statuses": "Declined", "locations": "3,4,5"},
    "stage+quarter": {"stages": "underwriting", "created_from": "2026-01-01", "created_to": "2026-03-31"},
}
ENTRY_FILTERS = {
    "status": {"statuses": "COMPLETE"}, "offices": {"locations": "3,4,5"}, "funder": {"funders": "2"},
    "outcome": {"outcomes": "none"}, "quarter": {"created_from": "2026-01-01", "created_to": "2026-03-31"},
    "expected": {"expected_from": "2026-04-01", "expected_to": "2026-06-30"},
    "status+offices": {"statuses": "COMPLETE", "locations": "3,4,5"},
    "funder+outcome": {"funders": "1", "outcomes": "PAID_IN_FULL"},
}


def sweep(url: str, repeat: int, show_all: bool) -> int:
    from sqlmodel import Session

    from stapp.db.engine import make_engine
    from stapp.domain.permissions import Grants, Permission
    from stapp.services import application_lists, funding_entries
    from stapp.services.auth import Actor

    actor = Actor(user_id=1, name="Bench", email="bench@example.com", grants=Grants({p: None for p in Permission}))
    engine = make_engine(url)
    target = TARGET_MS[engine.dialect.name]
    lists = [
        ("Company Financing", lambda p: application_lists.parse_query(p, company=True),
         application_lists.company_applications, list(application_lists.SORTS), "50", APPLICATION_FILTERS),
        ("Funding Entries", funding_entries.parse_query, funding_entries.list_entries, list(funding_entries.SORTS),
         "25", ENTRY_FILTERS),
    ]

    def median_ms(session, run, q) -> float:  # noqa: ANN001
        run(session, actor, q)  # warm
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            run(session, actor, q)
            samples.append((time.perf_counter() - started) * 1000)
        return statistics.median(samples)

    print(f"== {engine.dialect.name}: whole page, median of {repeat} ms (page 1 / typed deep page / Next to it); "
          f"target {target:g} ms")
    cases = over = 0
    for list_name, parse, run, sorts, size, filters in lists:
        for filter_name, params in filters.items():
            for sort in sorts:
                for direction in ("desc", "asc"):
                    base = {**params, "sort": sort, "dir": direction, "size": size}
                    with Session(engine) as s:
                        deep = min(400, run(s, actor, parse(base)).pages)
                    figures = []
                    for page in ("1", str(deep), "next"):
                        with Session(engine) as s:
                            if page == "next":
                                before = run(s, actor, parse({**base, "page": str(deep - 1)}))
                                q = parse({**base, "page": str(deep), "after": before.last})
                            else:
                                q = parse({**base, "page": page})
                            figures.append(median_ms(s, run, q))
                    cases += 1
                    flagged = max(figures) > target
                    over += flagged
                    if show_all or flagged:
                        print(f"  {list_name:17} {filter_name:15} {sort:16} {direction:4} "
                              f"{figures[0]:7.1f} / p{deep:<4} {figures[1]:7.1f} / next {figures[2]:7.1f}"
                              f"{'  over' if flagged else ''}", flush=True)
    print(f"  {over} of {cases} cases have a page over {target:g} ms")
    engine.dispose()
    return over


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", default=str(ROOT / "var" / "bench" / "bench.db"), help="the SQLite bench file")
    parser.add_argument("--postgres", help="also sweep this PostgreSQL bench database")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--all", action="store_true", help="print every case, not only those over the target")
    args = parser.parse_args()
    from stapp.settings import ensure_local_secrets

    ensure_local_secrets()
    if not Path(args.sqlite).exists():
        print(f"no bench database at {args.sqlite}: run `make bench` first")
        return 1
    sweep(f"sqlite:///{Path(args.sqlite).resolve()}", args.repeat, args.all)
    if args.postgres:
        sweep(args.postgres, args.repeat, args.all)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
