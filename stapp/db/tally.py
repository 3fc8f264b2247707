"""Maintained aggregates behind the company summaries: ``application_tally`` and ``funding_tally``.

Database triggers keep, for every combination of a few filter columns and every UTC day, month and year of
``created_at``, the count of rows and the sums of their amounts. They run inside the transaction that changes
the source table (ORM writes and bulk statements alike), so a tally is exactly as current as the rows. The
summary of a filtered list then adds up whole years, the months at their edges and the days at the edges of
a date range: a few hundred or thousand small rows instead of a million.

- ``application_tally`` (company Financing): location, status, stage (NULL stored as ``''``); count, Amount
  Requested, Amount Financed.
- ``funding_tally`` (Funding Entries): location, status, outcome (NULL as ``''``), funder (NULL as ``0``);
  count, Amount Expected, Net Received. Net Received is rewritten on the funding with every transaction, so
  the tally follows payouts, chargebacks and reversals too.
- ``application_rep_tally`` (the dashboard's approval by sales rep): location, rep (a removed user's
  applications as ``0``: the user's deletion sets ``created_by_id`` NULL, an UPDATE the triggers see), status;
  count.
- ``funding_age_tally`` (the dashboard's ageing): by the UTC day, month and year of ``status_since`` instead of
  ``created_at``; location, status; count.
- ``application_day_tally`` (the dashboard's weeks): submitted applications (not Not Submitted) by location;
  count, Amount Requested, Amount Financed.
- ``funding_expected_tally`` (Funding Entries with an Expected range, the dashboard's overdue count): what
  ``funding_tally`` keeps, by the day, month and year of Date Expected (fundings without one left out).
- ``application_financed_tally`` (company Financing sorted by Amount Financed): the applications that have one, by
  the filters of ``application_tally``; count.

Rows that fall to zero stay (harmless, and reused).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, event, func, or_, select, text
from sqlalchemy.engine import Connection

from stapp.db.engine import write_session
from stapp.domain.financing import AppStatus
from stapp.domain.listing import next_month, next_year, split_periods


@dataclass(frozen=True)
class Bounds:
    """The keys that divide a text sort key into bands (``BANDS``' Customer): each band holds the keys from one bound
    (included) to the next, as the database compares them (its own collation), so a band is a range of the key's
    index whatever the collation. Chosen from the rows, about ``count`` bands of even size, when the tally is rebuilt
    (``rebuild``; ``rebalance`` when the rows have doubled since)."""

    table: str  # position, bound, and the largest id of the source when they were chosen
    column: str  # the source's key

    count: int = 64

    def band(self, row: str) -> str:
        """The band of the source row ``{r}``: how many bounds are at or below its key."""
        return f"(SELECT count(*) FROM {self.table} WHERE {self.table}.bound <= {row}.{self.column})"


@dataclass(frozen=True)
class Spec:
    table: str  # the tally
    source: str  # the table it sums
    prefix: str  # of its trigger and function names
    dims: tuple[tuple[str, str], ...]  # (tally column, expression over the source row ``{r}``)
    sums: tuple[tuple[str, str], ...]  # the same, summed (``n`` counts: its expression is 1)
    watched: tuple[str, ...]  # the source columns whose change moves a row between tally rows
    time: str = "created_at"  # the source's moment whose UTC day, month and year are the periods
    time_is_date: bool = False  # ``time`` is a calendar date (no time of day, no time zone)
    only: str = ""  # a condition on the source row ``{r}``: rows failing it are not tallied (a NULL ``time``)
    grains: tuple[str, ...] = ("d", "m", "y")  # the periods kept: a band tally keeps no days (``BANDS``)
    # a dim's expression for one database where it differs (``{dialect: expression}``, keyed by the dim's column)
    dialect_dims: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    bounds: Bounds | None = None  # a band tally of a text key: its bounds (the ``band`` dim counts them)

    def dims_for(self, dialect: str) -> tuple[tuple[str, str], ...]:
        own = {column: dict(by) for column, by in self.dialect_dims}
        return tuple((c, own[c].get(dialect, e) if c in own else e) for c, e in self.dims)

    @property
    def key(self) -> str:
        return ", ".join(["grain", "period", *(c for c, _ in self.dims)])

    @property
    def columns(self) -> str:
        return ", ".join([self.key, *(c for c, _ in self.sums)])

    @property
    def conflict(self) -> str:
        return f"ON CONFLICT ({self.key}) DO UPDATE SET " + ", ".join(
            f"{c} = {self.table}.{c} + excluded.{c}" for c, _ in self.sums)


APPLICATIONS = Spec(
    table="application_tally", source="finance_application", prefix="finapp_tally",
    dims=(("location_id", "{r}.location_id"), ("status", "{r}.status"), ("stage", "coalesce({r}.stage, '')")),
    sums=(("n", "1"), ("requested_cents", "{r}.amount_requested_cents"),
          ("financed_cents", "coalesce({r}.amount_financed_cents, 0)")),
    watched=("created_at", "location_id", "status", "stage", "amount_requested_cents", "amount_financed_cents"),
)
FUNDINGS = Spec(
    table="funding_tally", source="funding", prefix="funding_tally",
    dims=(("location_id", "{r}.location_id"), ("status", "{r}.status"), ("outcome", "coalesce({r}.outcome, '')"),
          ("funder_id", "coalesce({r}.funder_id, 0)")),
    sums=(("n", "1"), ("expected_cents", "coalesce({r}.amount_expected_cents, 0)"),
          ("net_cents", "{r}.net_received_cents")),
    watched=("created_at", "location_id", "status", "outcome", "funder_id", "amount_expected_cents",
             "net_received_cents"),
)
# The dashboard's approval rate by sales rep: the period's applications per rep (removed users' as 0) and status.
APPLICATIONS_BY_REP = Spec(
    table="application_rep_tally", source="finance_application", prefix="finapp_rep_tally",
    dims=(("location_id", "{r}.location_id"), ("rep_id", "coalesce({r}.created_by_id, 0)"), ("status", "{r}.status")),
    sums=(("n", "1"),),
    watched=("created_at", "location_id", "created_by_id", "status"),
)
# The dashboard's ageing: fundings per status by the UTC day they entered it (``status_since``), so the days in
# status of every funding are a few period sums, not a pass over every funding.
FUNDING_AGES = Spec(
    table="funding_age_tally", source="funding", prefix="funding_age_tally",
    dims=(("location_id", "{r}.location_id"), ("status", "{r}.status")),
    sums=(("n", "1"),),
    watched=("status_since", "location_id", "status"),
    time="status_since",
)
# Funding Entries with an Expected range (and the dashboard's overdue fundings): the same figures as
# ``funding_tally``, by Date Expected instead of creation; fundings without a Date Expected match no such range.
FUNDINGS_BY_EXPECTED = Spec(
    table="funding_expected_tally", source="funding", prefix="funding_expected_tally",
    dims=FUNDINGS.dims, sums=FUNDINGS.sums,
    watched=("date_expected", *(c for c in FUNDINGS.watched if c != "created_at")),
    time="date_expected", time_is_date=True, only="{r}.date_expected IS NOT NULL",
)
# The dashboard's requested vs financed per week: submitted applications (all but Not Submitted) per day and
# location only, a fiftieth of ``application_tally``'s daily rows to add up for a year.
SUBMITTED_BY_DAY = Spec(
    table="application_day_tally", source="finance_application", prefix="finapp_day_tally",
    dims=(("location_id", "{r}.location_id"),),
    sums=APPLICATIONS.sums,
    watched=("created_at", "location_id", "status", "amount_requested_cents", "amount_financed_cents"),
    only=f"{{r}}.status <> '{AppStatus.NOT_SUBMITTED.value}'",
)
# Applications with an Amount Financed, by the filters of ``application_tally``: with it, how many rows of a company
# Financing filter have no Amount Financed (a NULL key of that sort) is known, so a page sorted by it reads the NULLs
# and the amounts as two ranges of known sizes and skips an empty one (services/paging.py ``fetch``'s ``nulls``).
APPLICATIONS_FINANCED = Spec(
    table="application_financed_tally", source="finance_application", prefix="finapp_financed_tally",
    dims=APPLICATIONS.dims, sums=(("n", "1"),),
    watched=("created_at", "location_id", "status", "stage", "amount_financed_cents"),
    only="{r}.amount_financed_cents IS NOT NULL",
)
# Band tallies: a list's rows by a band of its sort key, so that a page typed deep into a filter sorted by that key is
# placed in the band holding it and skips only rows of that band (``paging.by_bands``), where it walked or sorted every
# row before it (a quarter sorted by Amount Requested, page 400: 20 ms on SQLite). Kept by the month and year of
# creation and by the filters of few values (no location: a location's rows in every band would make the tally as big
# as the table; a list filtered or scoped to some offices is read as before). No days either: a Created range that is
# not whole months is read as before.
def _number_band(x: str) -> str:
    digits = f"CAST({x} AS TEXT)"
    return f"(length({digits}) * 100 + CAST(substr({digits}, 1, 2) AS INTEGER) / 5)"


def number_band(key: str) -> str:
    """The band of an integer ``key`` (cents, ids): its number of digits and its first two digits in steps of five
    (18 bands a decade: 10-14, 15-19, ... 95-99), negatives mirrored below zero. It orders as the key does, and is
    the same expression on both databases; ``band_of`` is the same in Python, ``number_range`` its keys."""
    return f"(CASE WHEN {key} < 0 THEN -{_number_band(f'(-{key})')} ELSE {_number_band(key)} END)"


def band_of(key: int) -> int:
    """``number_band`` in Python."""
    if key < 0:
        return -band_of(-key)
    digits = str(key)
    return len(digits) * 100 + int(digits[:2]) // 5


def number_range(band: int) -> tuple[int, int]:
    """The integer keys ``[lo, hi)`` of a band of ``number_band``."""
    if band < 0:
        lo, hi = number_range(-band)
        return 1 - hi, min(1 - lo, 0)
    digits, lead = divmod(band, 100)
    scale = 10 ** max(digits - 2, 0)
    return lead * 5 * scale, (lead * 5 + 5) * scale


def month_range(band: int) -> tuple[date, date]:
    """The days ``[first, after)`` of a band of ``MONTH_BAND`` (a calendar month: year x 12 + month)."""
    year, month = divmod(band - 1, 12)
    first = date(year, month + 1, 1)
    return first, next_month(first)


MONTH_BAND = (("sqlite", "(CAST(strftime('%Y', {r}.date_expected) AS INTEGER) * 12"
                         " + CAST(strftime('%m', {r}.date_expected) AS INTEGER))"),
              ("postgresql", "(CAST(EXTRACT(YEAR FROM {r}.date_expected) AS INTEGER) * 12"
                             " + CAST(EXTRACT(MONTH FROM {r}.date_expected) AS INTEGER))"))
_APP_FILTERS = (("status", "{r}.status"), ("stage", "coalesce({r}.stage, '')"))
_FUNDING_FILTERS = (("status", "{r}.status"), ("outcome", "coalesce({r}.outcome, '')"),
                    ("funder_id", "coalesce({r}.funder_id, 0)"))


def _bands(table: str, source: str, key: str, filters: tuple, *, nullable: bool = False,
           dialect_band: tuple = (), bounds: Bounds | None = None, by_expected: bool = False,
           null_of: str = "") -> Spec:
    """A band tally of ``key``, by the month and year of creation, or of Date Expected (``by_expected``: Funding
    Entries with an Expected range; fundings without one left out, as no such range holds them). ``null_of``: only
    the rows without a value of that column (a sort's NULL keys, ordered by ``key``)."""
    time = "date_expected" if by_expected else "created_at"
    only = [f"{{r}}.{column} IS NOT NULL" for column in ([key] if nullable else []) + ([time] if by_expected else [])]
    only += [f"{{r}}.{null_of} IS NULL"] if null_of else []
    return Spec(table=table, source=source, prefix=f"{table}_t",
                dims=(("band", bounds.band("{r}") if bounds else number_band(f"{{r}}.{key}")), *filters),
                sums=(("n", "1"),), watched=(time, key, *((null_of,) if null_of else ()),
                                             *(c for c, _ in filters if c != "band")),
                time=time, time_is_date=by_expected, grains=("m", "y"), only=" AND ".join(only),
                dialect_dims=(("band", dialect_band),) if dialect_band else (), bounds=bounds)


def bounds_range(bounds: list[Any]) -> Any:
    """The keys ``[lo, hi)`` of a band of a ``Bounds`` tally, given its bounds in order (None: open)."""

    def keys(band: int) -> tuple[Any, Any]:
        return (bounds[band - 1] if band > 0 else None), (bounds[band] if band < len(bounds) else None)

    return keys


CUSTOMER_BOUNDS = Bounds(table="funding_customer_bounds", column="customer_sort")


BANDS = {
    ("applications", "amount_requested"): _bands("application_requested_bands", "finance_application",
                                                 "amount_requested_cents", _APP_FILTERS),
    ("applications", "amount_financed"): _bands("application_financed_bands", "finance_application",
                                                "amount_financed_cents", _APP_FILTERS, nullable=True),
    ("applications", "id"): _bands("application_id_bands", "finance_application", "id", _APP_FILTERS),
    # by ID among the applications without an Amount Financed: sorted by it, those are one range ordered by id
    ("applications", "unfinanced id"): _bands("application_unfinanced_id_bands", "finance_application", "id",
                                              _APP_FILTERS, null_of="amount_financed_cents"),
    ("fundings", "amount_expected"): _bands("funding_amount_bands", "funding", "amount_expected_cents",
                                            _FUNDING_FILTERS, nullable=True),
    ("fundings", "date_expected"): _bands("funding_expected_bands", "funding", "date_expected", _FUNDING_FILTERS,
                                          nullable=True, dialect_band=MONTH_BAND),
    ("fundings", "customer"): _bands("funding_customer_bands", "funding", "customer_sort", _FUNDING_FILTERS,
                                     bounds=CUSTOMER_BOUNDS),
    # by ID within each status, outcome or funder: a page deep in one value of a sort by Status, Outcome or Funder
    # (``paging.fetch``'s ``groups``, whose rows of a value are ordered by id)
    ("fundings", "id"): _bands("funding_id_bands", "funding", "id", _FUNDING_FILTERS),
    # the same by the month and year of Date Expected, for Funding Entries with an Expected range
    ("fundings by expected", "amount_expected"): _bands("funding_amount_bands_by_expected", "funding",
                                                        "amount_expected_cents", _FUNDING_FILTERS, nullable=True,
                                                        by_expected=True),
    ("fundings by expected", "id"): _bands("funding_id_bands_by_expected", "funding", "id", _FUNDING_FILTERS,
                                           by_expected=True),
}

ALL = (APPLICATIONS, FUNDINGS, APPLICATIONS_BY_REP, FUNDING_AGES, FUNDINGS_BY_EXPECTED, SUBMITTED_BY_DAY,
       APPLICATIONS_FINANCED, *BANDS.values())


def _kept(spec: Spec, periods: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    return tuple((grain, period) for grain, period in periods if grain in spec.grains)


def _sqlite_periods(created: str) -> tuple[tuple[str, str], ...]:
    return (("d", f"substr({created}, 1, 10)"), ("m", f"substr({created}, 1, 7) || '-01'"),
            ("y", f"substr({created}, 1, 4) || '-01-01'"))


def _postgres_periods(created: str, *, is_date: bool = False) -> tuple[tuple[str, str], ...]:
    if is_date:
        return (("d", created), ("m", f"date_trunc('month', {created}::timestamp)::date"),
                ("y", f"date_trunc('year', {created}::timestamp)::date"))
    return (("d", f"({created} AT TIME ZONE 'UTC')::date"),
            ("m", f"date_trunc('month', {created} AT TIME ZONE 'UTC')::date"),
            ("y", f"date_trunc('year', {created} AT TIME ZONE 'UTC')::date"))


def _sqlite_upsert(spec: Spec, row: str, sign: str) -> str:
    dims = ", ".join(e.format(r=row) for _, e in spec.dims_for("sqlite"))
    sums = ", ".join(f"{sign}{e.format(r=row)}" for _, e in spec.sums)
    # with a condition on the row, a SELECT ... WHERE it (a WHERE also keeps SQLite from reading the upsert's ON
    # as a join's)
    out = []
    for grain, period in _kept(spec, _sqlite_periods(f"{row}.{spec.time}")):
        values = (f"SELECT '{grain}', {period}, {dims}, {sums} WHERE {spec.only.format(r=row)}" if spec.only
                  else f"VALUES ('{grain}', {period}, {dims}, {sums})")
        out.append(f"INSERT INTO {spec.table} ({spec.columns}) {values} {spec.conflict};")
    return "\n".join(out)


def _sqlite_ddl(spec: Spec) -> list[str]:
    p, src = spec.prefix, spec.source
    return [
        f"CREATE TRIGGER IF NOT EXISTS {p}_insert AFTER INSERT ON {src} BEGIN\n{_sqlite_upsert(spec, 'NEW', '')}\nEND",
        f"CREATE TRIGGER IF NOT EXISTS {p}_delete AFTER DELETE ON {src} BEGIN\n{_sqlite_upsert(spec, 'OLD', '-')}\nEND",
        f"CREATE TRIGGER IF NOT EXISTS {p}_update AFTER UPDATE OF {', '.join(spec.watched)} ON {src} BEGIN\n"
        f"{_sqlite_upsert(spec, 'OLD', '-')}\n{_sqlite_upsert(spec, 'NEW', '')}\nEND",
    ]


def _postgres_ddl(spec: Spec) -> list[str]:
    p, src = spec.prefix, spec.source
    dims = ", ".join(e.format(r="r") for _, e in spec.dims_for("postgresql"))
    sums = ", ".join(f"k * {e.format(r='r')}" for _, e in spec.sums)
    values = ",\n    ".join(f"('{grain}', {period}, {dims}, {sums})"
                             for grain, period in _kept(spec, _postgres_periods(f"r.{spec.time}",
                                                                                 is_date=spec.time_is_date)))
    guard = f"IF NOT ({spec.only.format(r='r')}) THEN RETURN; END IF;" if spec.only else ""
    return [
        f"""CREATE OR REPLACE FUNCTION {p}_add(r {src}, k integer) RETURNS void AS $$
BEGIN
  {guard}
  INSERT INTO {spec.table} ({spec.columns}) VALUES
    {values}
  {spec.conflict};
END $$ LANGUAGE plpgsql""",
        f"""CREATE OR REPLACE FUNCTION {p}() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM {p}_add(OLD, -1); END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM {p}_add(NEW, 1); END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
        f"DROP TRIGGER IF EXISTS {p}_changes ON {src}",
        f"""CREATE TRIGGER {p}_changes AFTER INSERT OR DELETE OR UPDATE OF {', '.join(spec.watched)} ON {src}
FOR EACH ROW EXECUTE FUNCTION {p}()""",
    ]


def install(conn: Connection, spec: Spec) -> None:
    """Create (or replace) ``spec``'s triggers on this connection's database."""
    for statement in _postgres_ddl(spec) if conn.dialect.name == "postgresql" else _sqlite_ddl(spec):
        conn.execute(text(statement))


def uninstall(conn: Connection, spec: Spec) -> None:
    p = spec.prefix
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"DROP TRIGGER IF EXISTS {p}_changes ON {spec.source}"))
        conn.execute(text(f"DROP FUNCTION IF EXISTS {p}()"))
        conn.execute(text(f"DROP FUNCTION IF EXISTS {p}_add({spec.source}, integer)"))
    else:
        for name in ("insert", "delete", "update"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS {p}_{name}"))


def rebuild(conn: Connection, spec: Spec) -> None:
    """Recompute the whole tally from its source rows (migration backfill, bulk loads, repair)."""
    periods = _kept(spec, _postgres_periods(spec.time, is_date=spec.time_is_date) if conn.dialect.name == "postgresql"
                    else _sqlite_periods(spec.time))
    dims = [e.format(r=spec.source) for _, e in spec.dims_for(conn.dialect.name)]
    sums = ", ".join("count(*)" if e == "1" else f"coalesce(sum({e.format(r=spec.source)}), 0)" for _, e in spec.sums)
    where = f"WHERE {spec.only.format(r=spec.source)} " if spec.only else ""
    source = spec.source
    if spec.bounds is not None:
        # bounds chosen from the rows now; each row's band computed once in a derived table (a GROUP BY may not hold
        # the correlated subquery on PostgreSQL)
        _choose_bounds(conn, spec.bounds, spec.source)
        band = [c for c, _ in spec.dims].index("band")
        source = f"(SELECT {spec.source}.*, {dims[band]} AS band_key FROM {spec.source}) AS {spec.source}"
        dims[band] = f"{spec.source}.band_key"
    conn.execute(text(f"DELETE FROM {spec.table}"))
    for grain, period in periods:
        conn.execute(text(
            f"INSERT INTO {spec.table} ({spec.columns}) SELECT '{grain}', {period}, {', '.join(dims)}, {sums} "
            f"FROM {source} {where}GROUP BY {', '.join([period, *dims])}"
        ))


def _choose_bounds(conn: Connection, bounds: Bounds, source: str) -> None:
    """``bounds.count`` bounds at even steps through the source's keys, in the database's order (distinct)."""
    key = bounds.column
    rows = conn.execute(text(f"SELECT count(*) FROM {source} WHERE {key} IS NOT NULL")).scalar() or 0
    top = conn.execute(text(f"SELECT max(id) FROM {source}")).scalar() or 0  # what ``rebalance`` compares
    step = max(rows // bounds.count, 1)
    found = conn.execute(text(
        f"SELECT {key} FROM (SELECT {key}, row_number() OVER (ORDER BY {key}) AS r FROM {source} "
        f"WHERE {key} IS NOT NULL) AS ranked WHERE r % :step = 0 ORDER BY {key}"), {"step": step}).scalars().all()
    chosen = [value for n, value in enumerate(found) if n == 0 or value != found[n - 1]]
    conn.execute(text(f"DELETE FROM {bounds.table}"))
    if chosen:
        conn.execute(text(f"INSERT INTO {bounds.table} (position, bound, rows) VALUES (:position, :bound, :rows)"),
                     [{"position": n, "bound": value, "rows": top} for n, value in enumerate(chosen)])


def rebalance(engine: Any) -> list[str]:
    """Rebuild the band tallies of text keys whose rows have more than doubled since their bounds were chosen (a new
    database starts with none: one band), so their bands stay about even; the tallies rebuilt. The source's writers
    wait meanwhile (PostgreSQL: a SHARE lock; SQLite: its one writer), so no change is counted twice or lost."""
    rebuilt = []
    for spec in ALL:
        if spec.bounds is None:
            continue
        with engine.connect() as conn:  # the largest id, now and when the bounds were chosen: one index probe each
            top = conn.execute(text(f"SELECT max(id) FROM {spec.source}")).scalar() or 0
            seen = conn.execute(text(f"SELECT max(rows) FROM {spec.bounds.table}")).scalar() or 0
        if top < 2 * seen or top < 2 * spec.bounds.count:
            continue
        with write_session(engine) as session:  # SQLite: the write lock first (BEGIN IMMEDIATE), as every writer
            conn = session.connection()
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"LOCK TABLE {spec.source} IN SHARE MODE"))
            rebuild(conn, spec)
        rebuilt.append(spec.table)
    return rebuilt


def period_clause(t: Any, start: date | None, end: date | None) -> Any | None:
    """Tally rows covering the inclusive UTC day range ``start..end`` (``None``: open): the whole years from the
    yearly rows, the whole months at their edges from the monthly rows, the days at the edges from the daily
    rows (``split_periods``); None when the range is empty."""
    periods = [and_(t.grain == grain, *([t.period >= lo] if lo else []), *([t.period <= hi] if hi else []))
               for grain, lo, hi in split_periods(start, end)]
    return or_(*periods) if periods else None


def months_clause(t: Any, start: date | None, end: date | None) -> Any | None:
    """``period_clause`` for a tally of months and years only (``BANDS``): None when the range is empty or needs days."""
    parts = split_periods(start, end)
    if not parts or any(grain == "d" for grain, _, _ in parts):
        return None
    return period_clause(t, start, end)


def locate(session: Any, t: Any, conds: list, offset: int, *, descending: bool) -> tuple[date, date, int] | None:
    """The period ``[first, after)`` of UTC days holding the row at ``offset`` (0-based) of a list ordered by
    creation (newest first when ``descending``), and how many rows of that period come before it; None past
    the end.

    ``conds`` are the list's tally conditions, ``period_clause`` last: a page typed deep into a list sorted by
    creation then skips only rows of that period, however deep (``paging.fetch``'s ``jump``). The yearly rows
    find the year, its monthly rows the month, and the month's daily rows the day when reading them costs less than
    skipping inside the month (a quarter of its rows, or fewer): a few small grouped reads.

    Each read stops at the period holding the row (``_buckets``), and a year's months (a month's days) are read from
    whichever end of it is nearer the row: the reads' cost is in the tally rows they add up (page 400 of every
    funding, newest first: the whole year's monthly rows, 12,000, were 2-3 ms of a 7-10 ms page on SQLite)."""
    *dims, period = conds
    found = _walk(_buckets(session, t, dims, [period], descending), offset)
    while found is not None:
        start, grain, rows, tally_rows, skip = found
        # reading and adding a tally row costs about what skipping four index entries does (both databases)
        if grain == "d" or (grain == "m" and tally_rows * 31 * 4 >= rows):
            return start, _AFTER[grain](start), skip
        inside = [t.grain == _FINER[grain], t.period >= start, t.period < _AFTER[grain](start)]
        if 2 * skip < rows:  # nearer the period's start in the list's order
            found = _walk(_buckets(session, t, dims, inside, descending), skip)
            continue
        # from its other end: the row is ``rows - 1 - skip`` from there, and has ``n - 1 - that`` before it in its bucket
        found = _walk(_buckets(session, t, dims, inside, not descending), rows - 1 - skip)
        if found is not None:
            found = (*found[:4], found[2] - 1 - found[4])
    return None


def _buckets(session: Any, t: Any, dims: list, where: list, descending: bool) -> Any:
    """The rows, tally rows and grain of each period of ``t`` matching ``dims`` and ``where``, in the list's order
    (newest first when ``descending``), as they are read: the caller stops at the one it needs. Periods never
    overlap (whole years, the months outside them, the days outside those), so they are grouped by their start
    alone, which within one grain SQLite reads in its key's order, adding up no period past the one needed."""
    order = t.period.desc() if descending else t.period.asc()
    # on the connection (Core): the ORM would fetch every row before handing over the first
    return session.connection().execute(select(t.period, func.min(t.grain), func.sum(t.n), func.count())
                                        .where(and_(*dims, *where)).group_by(t.period).order_by(order))


# The start of the next period, and the grain inside each.
_AFTER = {"y": next_year, "m": next_month, "d": lambda day: date.fromordinal(day.toordinal() + 1)}
_FINER = {"y": "m", "m": "d"}


def _walk(buckets: Any, offset: int) -> tuple[date, str, int, int, int] | None:
    """The bucket holding ``offset`` among ``buckets`` (period, grain, rows, tally rows; a result read in the list's
    order, closed once that bucket is found): its start, grain, rows and tally rows, and the offset within it."""
    try:
        for start, grain, n, tally_rows in buckets:
            if offset < (n or 0):
                return _as_date(start), grain, n, tally_rows, offset
            offset -= n or 0
        return None
    finally:
        buckets.close()


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def listen(metadata) -> None:  # noqa: ANN001
    """Install the triggers whenever ``metadata.create_all`` builds the tables (tests, the bench)."""

    @event.listens_for(metadata, "after_create")
    def _after_create(target, connection, **kw) -> None:  # noqa: ANN001, ARG001
        for spec in ALL:
            if spec.table in target.tables and spec.source in target.tables:
                install(connection, spec)
