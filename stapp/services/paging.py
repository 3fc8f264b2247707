"""Keyset ("seek") pagination for the company lists.

A page is ordered by ``(key, id)``: ascending puts NULL keys first, descending puts them last, so one order is
the exact reverse of the other. Next and Previous carry a cursor (the key and id of the row at the page's
edge) and the following page is the next ``size`` rows after it in index order: no OFFSET scan, however
deep. A page reached without a usable cursor (a typed URL, a changed sort) is placed by the list's tally
when it is sorted by creation (``by_tally``), else it falls back to OFFSET over ids and keys. A date range sorted
by another column may instead walk the sort key's index, within a budget (``Walk``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, or_, select, tuple_, union_all
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import custom_op
from sqlmodel import Session

from stapp.db import tally
from stapp.db.engine import plan_for_values
from stapp.domain.listing import Cursor, ListQuery, read_cursor


def in_or_null(column: Any, values: Any, null_value: Any) -> ColumnElement[bool]:
    """A multi-select filter condition: ``column`` is one of ``values``, or NULL where ``values`` holds the
    filter's "none" choice ``null_value`` (No stage, No outcome yet, No Funder, a removed user)."""
    chosen = [v for v in values if v != null_value]
    parts = [column.in_(chosen)] if chosen else []
    if null_value in values:
        parts.append(column.is_(None))
    return or_(*parts)


@dataclass(frozen=True)
class SortKey:
    expr: Any  # a column or SQL expression
    kind: str  # one of domain.listing.CURSOR_KINDS
    # A key that is never NULL (ids, created dates, statuses) is ordered with no NULLS clause, so each
    # database walks its index in its own order: PostgreSQL puts NULLs last ascending, SQLite first, and an
    # explicit clause that disagrees with the index turns a LIMIT 50 into a sort of every row.
    nullable: bool = True


@dataclass
class Window:
    rows: list[Any]  # the query's rows, without the trailing key column
    page: int
    first: str  # cursor token of the first row ("" when empty)
    last: str
    seek: bool  # found by a cursor (no OFFSET)


# A cursor with a value compares the row value (key, id) with it: both databases seek their (key, id) index
# to it, where the equivalent "key > v OR (key = v AND id > i)" left PostgreSQL filtering from the start
# (a deep Next page of a filtered million-row list took a second). A NULL key never passes the comparison.


def _after_asc(key: Any, ident: Any, cur: Cursor) -> ColumnElement[bool]:
    """Rows after ``cur`` in ascending order (NULL keys first)."""
    if cur.value is None:
        return or_(and_(key.is_(None), ident > cur.ident), key.is_not(None))
    return tuple_(key, ident) > tuple_(cur.value, cur.ident)


def _before_asc(key: Any, ident: Any, cur: Cursor, nullable: bool = True) -> ColumnElement[bool]:
    """Rows before ``cur`` in ascending order (NULL keys first)."""
    if cur.value is None:
        return and_(key.is_(None), ident < cur.ident)
    before = tuple_(key, ident) < tuple_(cur.value, cur.ident)
    return or_(key.is_(None), before) if nullable else before


def _order(query: Any, key: Any, ident: Any, ascending: bool, nullable: bool = True) -> Any:
    if not nullable:
        return query.order_by(key.asc(), ident.asc()) if ascending else query.order_by(key.desc(), ident.desc())
    if ascending:
        return query.order_by(key.asc().nulls_first(), ident.asc())
    return query.order_by(key.desc().nulls_last(), ident.desc())


def ordered(query: Any, sort: SortKey, ident: Any, q: ListQuery) -> Any:
    """The list's own order (also used by CSV exports)."""
    return _order(query, sort.expr, ident, q.direction == "asc", sort.nullable)


# Where a page typed into the URL starts without skipping rows from the top: given the number of rows before
# it (0: the first page, which a jump places only when its list asks it to: ``by_bands``' ``from_start``), a condition
# that leaves out the rows before its period (a day or a month, ``by_tally``) or its band of the sort key
# (``by_bands``), how many rows it still holds before the page, and the keys statement to read it with (None: the
# list's own); None when it cannot tell. The condition bounds the read: no walk from the list's edge.
Jump = Callable[[int], "tuple[ColumnElement[bool], int, Any] | None"]


def by_tally(session: Session, t: Any, where: Callable[[], list | None], created: Any, q: ListQuery) -> Jump | None:
    """A ``jump`` for a list sorted by creation, placing a page from the tally ``t`` when the filter is all in it:
    ``where()`` gives the tally's conditions for the filter (``tally_where``), None when it is not. They are built only
    for a page that needs placing: the first page, which most views are, reads from the list's edge (building them cost
    0.13 ms of CPU a view)."""
    if q.sort != "created":
        return None
    descending = q.direction == "desc"

    def place(offset: int) -> tuple[ColumnElement[bool], int, Any] | None:
        if not offset:
            return None  # the first page reads from the list's edge
        conds = where()
        if conds is None:
            return None  # a filter the tally lacks: the page skips index keys
        found = tally.locate(session, t, conds, offset, descending=descending)
        if found is None:
            return None
        first, after, skip = found
        bound = created < _utc(after) if descending else created >= _utc(first)
        return bound, skip, None

    return place


# A page is placed by a band tally (``by_bands``) when the sort's index holds more than this many entries up to it, for
# an even spread of the filter's rows (about 4 ms of walking on SQLite); a nearer page walks or skips as fast.
BAND_WALK = 64_000


def by_bands(session: Session, t: Any, where: list | None, sort: SortKey, q: ListQuery, total: int,
             key_range: Callable[[int], tuple[Any, Any]], last_id: Any, nulls: int | None = None,
             keys: Any = None, from_start: bool = False) -> Jump | None:
    """A ``jump`` for a list sorted by a key its band tally ``t`` counts (``tally.BANDS``), given the tally's conditions
    for the filter (``where``; None: the filter is not in it): the page's rows lie in the bands holding its first and
    last row, read with the filter's rows of the bands before it skipped. A filter sorted by another column otherwise
    walked the sort's index or sorted its rows up to the page (a quarter by Amount Requested, page 400: 20 ms on
    SQLite), however the page was reached without a cursor.

    ``key_range``: a band's keys ``[lo, hi)`` (None: open). ``last_id``: the table's largest id (one index probe:
    about how many rows it holds; or the entries of the index range the page is read in), read only for a page deep
    enough to be worth placing (``BAND_WALK``). ``nulls``: how many of the filter's ``total`` rows have no key (None:
    the rows the tally leaves out, those without one). ``keys``: the filter on the id and the sort key to read the
    bands with (SQLite: the filter tested on the entries of the sort's index, ``unindexed``, which the band bounds);
    None: the list's own. A page among or reaching the NULL keys is left to the other readings, and so is a count that
    does not add up (a write between the reads).

    ``from_start``: every page is placed, however near the start, the first one (offset 0) included: read from the
    first band holding a row of the filter. PostgreSQL's planner takes a filter's
    rows for spread evenly along the sort's index and reads it from its start, however far along they begin (a
    Created quarter by Expected Date ascending, page 1 or 2: 200,000 entries passed, 27-41 ms)."""
    if where is None or total <= 0:
        return None
    ascending, key = q.direction == "asc", sort.expr

    def place(offset: int) -> tuple[ColumnElement[bool], int, Any] | None:
        if nulls and (offset < nulls if ascending else offset + q.size > total - nulls):
            return None  # among the NULL keys, or reaching them
        if not from_start:
            if not offset:
                return None  # the first page reads from the list's edge
            top = session.connection().execute(last_id).scalar() or 0
            if offset * top < BAND_WALK * total:
                return None
        rows = session.execute(select(t.band, func.sum(t.n)).where(and_(*where)).group_by(t.band)
                               .order_by(t.band)).all()
        bands = [(band, int(n)) for band, n in rows if n]
        keyed = sum(n for _, n in bands)
        none = total - keyed if nulls is None else nulls
        if none < 0 or keyed + none != total:
            return None
        start = offset - none if ascending else offset  # NULL keys first ascending, last descending
        end = min(start + q.size, keyed) - 1
        if start < 0 or start >= keyed or (not ascending and none and offset + q.size > keyed):
            return None
        first = last = skip = None
        passed = 0
        for band, n in bands if ascending else reversed(bands):
            if first is None and start < passed + n:
                first, skip = band, start - passed
            if end < passed + n:
                last = band
                break
            passed += n
        if first is None or last is None or skip is None:
            return None
        (lo, hi), (lo_last, hi_last) = key_range(first), key_range(last)
        if not ascending:
            lo, hi_last = lo_last, hi
        # a band of text keys may be open at either end (``tally.bounds_range``)
        between = [c for c in (key >= lo if lo is not None else None, key < hi_last if hi_last is not None else None)
                   if c is not None]
        return (and_(*between) if between else key.is_not(None)), skip, keys

    return place


def range_ahead(q: ListQuery, start: str, end: str, today: date | None = None) -> bool:
    """Whether a list sorted by ID and read from its edge meets rows outside a range before the range's own: the range
    is the filters ``start``..``end`` on a moment that follows creation, as ids do. Newest first, the rows after its
    end (none when it ends today or later and ``today`` is given: nothing is created in the future); oldest first,
    the rows before its start. Its first page is then placed by the id band tally (``by_bands``' ``from_start``), not
    walked past them: a quarter by ID, page 1, went from 2 to 21 ms on SQLite once 4,000 applications newer than the
    quarter lay above it, and the tally places it in 3-4 ms however many there are."""
    if q.sort != "id":
        return False
    if q.direction == "asc":
        return q.filters.get(start) is not None
    last = q.filters.get(end)
    return last is not None and (today is None or last < today)


def within_bands(session: Session, t: Any, where: list | None, by_id: SortKey, q: ListQuery,
                 value_of: Callable[[Any], Any], walked_of: Callable[[Any], Any]) -> Callable[[Any, int], Jump | None] | None:
    """``fetch``'s ``within`` from a tally by bands of the id ``t`` (the filter's conditions on it: ``where``; None: not
    in it): given a value of ``groups`` and its rows, ``by_bands`` among that value's rows (``value_of``: its condition
    on ``t``), none of which lacks an id. ``walked_of``: a statement of the value's entries in the whole table (its
    index range), which the walk a band spares would pass, not the table's."""
    if where is None:
        return None

    def of(value: Any, n: int) -> Jump | None:
        return by_bands(session, t, [*where, value_of(value)], by_id, q, n, tally.number_range, walked_of(value),
                        nulls=0)

    return of


def unindexed(column: Any) -> Any:
    """``+column`` (SQLite): the same value, which the planner will not seek on an index (see ``Walk``)."""
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


# What reading one key of a range costs when the keys are sorted to find a page (a temporary B-tree holding every
# key up to the page's end), against passing one entry of a narrow index in order and testing the range on it:
# 6.5-15 times at a million applications and 300,000 fundings on SQLite (docs/decisions.md).
SORT_PER_WALK = 8
# The same when finding the page's keys without the walk reads each matching row, its index lacking the sort key (a
# status and a date range sorted by an amount): 33-40 times at a million applications on SQLite.
READ_PER_WALK = 32

# A walk passes at most WALK_MARGIN times the entries an even spread of the filter's rows would put before the page's
# end, and never stops before WALK_FLOOR entries (a few hundred microseconds' walk).
WALK_MARGIN = 4
WALK_FLOOR = 4000

# A walk's limit: given where it starts (a cursor; None: the list's edge), its direction (ascending) and how many
# index entries it may pass, a condition on the sort key that stops it there; None when the whole index is within. A
# fourth argument, true, says the walk reads the keys alone (``key IS NOT NULL``), from their start ascending.
Bound = Callable[..., "ColumnElement[bool] | None"]


@dataclass(frozen=True)
class Walk:
    """A page of a range on one column sorted by another, found by walking the sort key's index in the list's order
    and testing the range on each entry (SQLite) instead of reading every key of the range and sorting them.

    The walk passes about (rows up to the page's end) x (rows in the table) / (rows the filter matches) entries if
    the range's rows are spread evenly in the sort order; they may instead sit together at the far end (a range
    long ago, sorted by ID, where ids grow with time). So it may pass at most ``budget`` entries (what sorting
    costs) before stopping at ``bound``; a page it leaves short is found by sorting, which at worst doubles its
    time instead of reading the whole table."""

    keys: Any  # the list's filter on the id and the sort key, the range ``unindexed``
    budget: int
    bound: Bound
    # Where the filter's rows begin in the walk's order, when an index of the filter carries the sort key (an Expected
    # range, sorted by Created): given the direction (ascending), the least or greatest of the filter's keys (None:
    # no rows), from which a walk from the list's edge starts, and is bounded, instead of passing every key before.
    start: Callable[[bool], Any] | None = None


def extreme(session: Session, key: Any, where: Any) -> Callable[[bool], Any]:
    """``Walk.start`` from the least (ascending) or greatest key of the rows meeting ``where``: one aggregate over an
    index that seeks ``where`` and carries ``key``."""
    return _read_once(session, lambda aggregate: select(aggregate(key)).where(where))


# Reading one day's greatest (least) key on an index by (day, key) costs about what passing 35 entries of a range of
# days does on SQLite (6 us against 0.17): ``day_extremes`` probes each day of a range holding more entries than that.
PROBE_PER_DAY = 35


def day_extremes(session: Session, key: Any, day: Any, first: date, last: date) -> Callable[[bool], Any]:
    """``extreme`` of the rows whose ``day`` (a date column) is within ``first..last``, on an index by ``(day, key)``:
    the least (greatest) key of each day, one index probe a day, instead of an aggregate over every entry of the
    range (an Expected quarter, 30,000 fundings: 5.1 -> 0.6 ms). SQLite only (its ``date()``; the walks that start
    from it are SQLite's)."""

    def statement(aggregate: Any) -> Any:
        days = select(literal(first, type_=day.type).label("day")).cte("days", recursive=True)
        days = days.union_all(select(func.date(days.c.day, "+1 day")).where(days.c.day < literal(last, day.type)))
        of_day = select(aggregate(key)).where(day == days.c.day).scalar_subquery()
        return select(aggregate(of_day)).select_from(days)

    return _read_once(session, statement)


def _read_once(session: Session, statement: Callable[[Any], Any]) -> Callable[[bool], Any]:
    """A ``Walk.start`` running ``statement(func.min)`` ascending, ``statement(func.max)`` descending, each when
    first asked for."""
    found: dict[bool, Any] = {}

    def start(ascending: bool) -> Any:
        if ascending not in found:
            found[ascending] = session.connection().execute(statement(func.min if ascending else func.max)).scalar()
        return found[ascending]

    return start


def ends(column: Any) -> Any:
    """The least and greatest of ``column`` (``spread_bound``'s ``ends``): two index probes. One statement with both
    aggregates reads every row on SQLite."""
    return select(select(func.min(column)).scalar_subquery(), select(func.max(column)).scalar_subquery())


def pins_key(q: ListQuery, filter_of_sort: dict[str, str]) -> bool:
    """Whether ``q``'s filter allows one value of its sort key (one stage sorted by Stage): ``filter_of_sort`` names
    the filter on each sort's column (``fetch``'s ``pinned``)."""
    name = filter_of_sort.get(q.sort)
    return name is not None and len(q.filters.get(name) or ()) == 1


def one_office(actor: Any, q: ListQuery, perm: Any) -> bool:
    """Whether a list's rows are of one location, chosen in its filter or the only one where ``actor`` holds
    ``perm``: its ``(location_id, key, id)`` index (models ``_sorted_within``) then gives the page in order, and a
    walk keeps seeking the location on it rather than testing it on every entry of the whole table's."""
    scope = actor.grants.locations(perm)
    return len(set(q.filters.get("locations") or ())) == 1 or (scope is not None and len(scope) == 1)


_CREATED_RANGE = frozenset({"created_from", "created_to"})
# The most offices a list is read as one index range per office, merged (``office_arms``): a page of a few offices
# sorted by any column was otherwise every row of them read and sorted (20-45 ms for a page typed deep at three of
# fifty offices on SQLite); with more offices the sort's own index, walked, finds the page as fast.
MAX_ARMS = 8


def office_arms(actor: Any, q: ListQuery, perm: Any, sought: frozenset | None = None,
                paired: str | None = None) -> list[tuple[int, Any]] | None:
    """The offices of a list filtered on nothing but a few offices (chosen in its filter, or those where ``actor``
    holds ``perm``), when each office's own index gives its rows in the sort's order (models ``_sorted_within``):
    the page is then those ranges merged in order (``fetch``'s ``arms``), skipping or seeking on them alone. None
    for one office (its index is the page), every office, more than ``MAX_ARMS``, or another filter in use but those
    ``sought`` on the same index (by default a Created range sorted by Created: both lists' ``(location_id,
    created_at, id)`` index).

    ``paired``: a filter whose column the office's index for the sort has next (``(location_id, status, key, id)``):
    with values chosen, each arm is an office with one of them, as ``(office, value)``; otherwise ``(office, None)``."""
    if sought is None:
        sought = _CREATED_RANGE if q.sort == "created" else frozenset()
    if paired is not None:
        sought = sought | {paired}
    if any(value for name, value in q.filters.items() if name != "locations" and name not in sought):
        return None
    chosen = frozenset(q.filters.get("locations") or ())
    scope = actor.grants.locations(perm)
    offices = chosen & scope if chosen and scope is not None else chosen or scope
    if offices is None or len(offices) < 2:
        return None
    values = sorted(set(q.filters.get(paired) or ())) if paired is not None else []
    arms = [(office, value) for office in sorted(offices) for value in (values or [None])]
    return arms if len(arms) <= MAX_ARMS else None


def office_conditions(arms: list[tuple[int, Any]], location: Any, paired: Any = None) -> list[Any]:
    """``fetch``'s ``arms`` for ``office_arms``' offices: each office's condition on ``location``, and with a value
    paired to it, that value's on ``paired`` too."""
    return [location == office if value is None else and_(location == office, paired == value)
            for office, value in arms]


def walk_budget(session: Session, q: ListQuery, count: int, last_id: Any,
                per_walk: int = SORT_PER_WALK) -> tuple[int, int] | None:
    """Whether a range sorted by another column is walked (``Walk``): the entries the walk may pass and the largest
    id (``last_id``, one index probe: about how many rows the table holds), or None when sorting costs less.

    The walk is taken when an even spread would find the page in half its budget, ``per_walk`` x ``count``
    entries (``count``: the rows the filter matches, from the list's tally). Only on SQLite: PostgreSQL's planner
    weighs this itself (and has no unary plus on dates)."""
    if count <= 0 or session.get_bind().dialect.name != "sqlite":
        return None
    ahead = q.size if (q.after or q.before) else q.page * q.size  # Next/Previous seek past their cursor
    top = session.connection().execute(last_id).scalar() or 0
    budget = per_walk * count
    if 2 * ahead * top > budget * count:
        return None
    # no further than a few times what an even spread would pass: rows that sit together far along the index (a
    # range of Expected Dates sorted by Created, Expected following creation) are then sorted after a short walk,
    # not after one as long as the sort (page 1 of such a range: 16-18 ms on SQLite)
    return min(budget, max(WALK_FLOOR, WALK_MARGIN * ahead * top // count)), top


def id_bound(ident: Any, top: int) -> Bound:
    """``Walk.bound`` of a list sorted by ID (ids ``1..top``, about one row each): ``budget`` ids from the start."""

    def bound(cur: Cursor | None, ascending: bool, budget: int, _keys_only: bool = False) -> ColumnElement[bool] | None:
        if ascending:
            start = cur.ident if cur is not None else 0
            return ident <= start + budget if start + budget < top else None
        start = cur.ident if cur is not None else top + 1
        return ident >= start - budget if start - budget > 1 else None

    return bound


def spread_bound(session: Session, key: Any, ends: Any, top: int, nullable: bool = False) -> Bound:
    """``Walk.bound`` of a list sorted by a moment or an amount (``key``), for a table of about ``top`` rows: taken
    as spread evenly between its least and greatest keys (``ends``, a statement of two index probes, read once when
    the budget is less than the table), ``budget`` rows from the start are that share of the span between. Uneven
    spreads only move where the walk gives up, never which rows a page shows.

    NULL keys (``nullable``) come first ascending: a walk from there, or from a cursor among them, is unbounded (no
    condition on the key stands for a number of them). A bound on the key leaves the NULLs out, which a page's rows
    past a cursor never mix with keys in one read (``_past``)."""
    span: list[Any] = []

    def bound(cur: Cursor | None, ascending: bool, budget: int, keys_only: bool = False) -> ColumnElement[bool] | None:
        if budget >= top:
            return None
        if cur is None and ascending and nullable and not keys_only or cur is not None and cur.value is None:
            # among the NULL keys (first ascending): no bound on the key stands for a number of them, so the walk
            # passes them unbounded; from a cursor among them, the cursor's condition keeps it there (``_past``)
            return None
        if not span:
            span.extend(session.connection().execute(ends).one())
        oldest, newest = span
        if oldest is None or newest is None or newest <= oldest:
            return None
        step = (newest - oldest) * budget / top
        if isinstance(newest, int):
            step = math.ceil(step)
        if ascending:
            return key <= (cur.value if cur is not None else oldest) + step
        return key >= (cur.value if cur is not None else newest) - step

    return bound


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def fetch(session: Session, query: Any, sort: SortKey, ident: Any, q: ListQuery, pages: int,
          keys: Any = None, jump: Jump | None = None, walk: Walk | None = None, total: int | None = None,
          nulls: int | None = None, pinned: bool = False, arms: list | None = None,
          groups: list[tuple[Any, int]] | None = None, within: Callable[[Any, int], Jump | None] | None = None,
          among_nulls: Callable[[int], Jump | None] | None = None) -> Window:
    """One page of ``query`` (unordered; its last column must be ``sort.expr``) for ``q``.

    ``keys``, when given, is the list's filter selecting only ``ident`` and ``sort.expr`` with only the joins
    the sort key needs, and ``query`` is then the rows' columns and joins *without* the filter: the page is
    found on the keys and its rows joined to them by id, in one statement (a deferred join). The database
    seeks, skips or sorts index entries, which hold the filter's column, the key and the id, instead of whole
    joined rows, and reads the columns of just that page. A date range sorted by another column and a page
    typed into the URL (OFFSET) get cheaper by the width of a row and its joins. (It was two statements, the
    page's ids and then its rows by ``id IN (...)``: the second statement and its fifty bound ids cost more
    than its SQL.)

    ``jump``, when given, places a typed page (no cursor) from a tally's counts: it is then read past a bound
    on the sort key, skipping only rows of one day or month instead of every row before it.

    ``walk``, when given, finds the page first on ``walk.keys`` within the walk's budget (``Walk``).

    ``total``, when given, is how many rows the filter matches (the list's count): the last page then stops reading
    once it holds every row left, where a walk would otherwise sort again a page that is short by nature, and a page
    past a cursor would look for more rows beyond the NULL keys (``past``).

    ``nulls``, when given with ``total``, is how many of those rows have a NULL key (from a tally): a page counted
    from the start then reads the NULLs and the values as two ranges of known sizes, placing its offset in the right
    one and never searching an empty one. Without it the planners search the whole index for a filter whose rows are
    all at its far end (PostgreSQL: 0.9-1 s for page 1 of Declined applications sorted by Amount Financed).

    ``pinned``: the filter allows one value of the sort key (one stage, sorted by Stage), so the rows past a cursor on
    a value are those past its id. PostgreSQL then orders by the id alone and could not seek ``(key, id) < cursor`` on
    the primary key: it read a million rows backwards for the last page of such a list (0.3 s).

    ``groups``: the filter's rows for each value of a key of a few values (a status, an outcome, a stage, a funder's
    name), from a tally, in the list's ascending order (NULL first, as ``None``). Each value's rows are then one range
    of the sort's index, ordered by id, and a page is read from the ranges it spans: counted from the start, its
    offset placed in its value and the values before it skipped; past a cursor, the rest of the cursor's value and
    then the values after it that hold rows. The planners otherwise walked the index through every value the
    filter has no rows of (a funder with one outcome sorted by Status, page 1: 16-20 ms on SQLite, 23 ms on
    PostgreSQL), or sorted every matching row (Declined at three offices by Stage: 25-33 ms a page on both).

    ``within``, with ``groups``: given one of its values and its rows, a ``jump`` that places an offset among that
    value's rows (ordered by id: ``by_bands`` over a tally by bands of the id), so a page deep in one value skips only
    rows of one band of it.

    ``among_nulls``, with ``nulls``: given how many of the filter's rows have a NULL key, a ``jump`` that places an
    offset among them (ordered by id: ``by_bands`` over a tally by bands of the id of those rows), so a page deep among
    the NULL keys skips only rows of one band of them.

    ``arms``, with ``keys``: the filter's condition for each office (``office_arms``), whose rows are each a range of
    its own index in the sort's order. A page's keys are then those ranges merged in order (SQLite merges a UNION ALL
    with an ORDER BY; PostgreSQL a Merge Append of its ordered arms), and a page typed deep skips entries of the merge
    instead of sorting every row of the offices (at three of fifty offices, 20-45 -> 3-5 ms on SQLite).
    """
    page = min(max(q.page, 1), pages)
    ascending = q.direction == "asc"
    sqlite = session.get_bind().dialect.name == "sqlite"
    finder = query if keys is None else keys
    if keys is not None:  # the company lists; a customer's few applications plan the same for any values
        plan_for_values(session)

    def read(where: Any, forward: bool, offset: int | None = None, cur: Cursor | None = None,
             size: int = q.size, unbounded: bool = False, parts: list | None = None, keys_only: bool = False) -> list[Any]:
        """``size`` rows of the filter (and ``where``) in the list's order (``forward``) or its reverse, after
        skipping ``offset``; walked from ``cur`` (None: the edge) when the list walks, sorted if the walk falls
        short within its budget. ``unbounded``: no bound on the key stops the walk (``where`` keeps it among the NULL
        keys, or within values of ``groups``, which no bound on the key can stand for). ``parts``: conditions whose
        rows, each a range of an index in the list's order, are merged (``_merged``; by default the offices of
        ``arms``). ``keys_only``: ``where`` leaves out the NULL keys, so a walk from the start is bounded."""
        if walk is not None:
            limit = None if unbounded else walk.bound(cur, forward, walk.budget, keys_only)
            if walk.start is not None and cur is None and not unbounded and (
                    not sort.nullable or keys_only or not forward):
                # from the list's edge: from where the filter's keys begin, bounded from there. That leaves out NULL
                # keys, so not for a walk that may hold them: ascending they come first (a descending walk that
                # reaches them falls short and sorts)
                first = walk.start(forward)
                if first is not None:
                    limit = _both(sort.expr >= first if forward else sort.expr <= first,
                                  walk.bound(Cursor(q.sort, q.direction, 1, first, 0), forward, walk.budget, True))
            walked = _read(walk.keys, _both(where, limit), forward, offset, size, parts)
            # a full page, or on the last page every row left
            if limit is None or len(walked) == size or len(walked) == left() > 0 and size == q.size:
                return walked
        return _read(finder, where, forward, offset, size, parts)

    def _read(finder: Any, where: Any, forward: bool, offset: int | None, size: int,
              parts: list | None = None) -> list[Any]:
        parts = parts or arms
        if parts and len(parts) > 1:
            found = _merged(finder, parts, where, forward, offset, size)
        else:
            where = _both(where, parts[0] if parts else None)
            found = _order(finder if where is None else finder.where(where), sort.expr, ident, forward, sort.nullable)
        found = (found if offset is None else found.offset(offset)).limit(size)
        if keys is not None:
            page_keys = found.subquery("page_keys")
            key_ident, key = page_keys.c[0], page_keys.c[len(page_keys.c) - 1]
            found = _order(query.join(page_keys, ident == key_ident), key, key_ident, forward, sort.nullable)
        return list(session.exec(found).all())

    def _merged(finder: Any, parts: list, where: Any, forward: bool, offset: int | None, size: int) -> Any:
        """The keys of ``finder`` for each of ``parts`` (and ``where``), merged in the list's order (``forward``) or
        its reverse, unlimited. PostgreSQL merges its arms' index scans only when each is ordered and limited to the
        rows the page can need; SQLite allows neither in a compound's arm and merges the compound by its outer
        order."""
        arms_of = [finder.where(_both(where, part)) for part in parts]
        if not sqlite:
            reach = (offset or 0) + size
            arms_of = [_order(arm, sort.expr, ident, forward, sort.nullable).limit(reach) for arm in arms_of]
        merged = union_all(*arms_of).subquery("arms")
        merged_ident, merged_key = merged.c[0], merged.c[len(merged.c) - 1]
        return _order(select(merged_ident, merged_key), merged_key, merged_ident, forward, sort.nullable)

    def past(cur: Cursor, forward: bool) -> list[Any]:
        """A page's rows past ``cur`` read in the list's order (``forward``: ascending) or its reverse: by the values of
        ``groups`` when it has the cursor's (``grouped_past``). Across the NULL keys they are two ranges of the sort's
        index, read one after the other (``_past``): in one condition with OR, neither database seeks the cursor on
        the index (a Next page of a million applications sorted by Amount Financed took 0.6-1.1 s on PostgreSQL)."""
        grouped_rows = grouped_past(cur, forward) if groups is not None else None
        if grouped_rows:
            return grouped_rows
        first, *then = _past(sort, ident, cur, forward, pinned)
        found = read(first, forward, cur=cur)
        for where in then:  # the other side of the NULLs, from its start (a page that crosses them)
            # the rows on that side, when counted: read ascending it is the keys (after the NULLs), else the NULLs
            known = None if nulls is None or total is None else total - nulls if forward else nulls
            if len(found) < q.size and not (forward == ascending and len(found) == left()) and known != 0:
                found += _read(finder, where, forward, None, q.size - len(found))
        return found

    def value_is(value: Any, exact: bool = False) -> Any:
        """The rows of one value of ``groups``. PostgreSQL: as a range of one value, since under an equality it takes
        the key as constant and orders the value's rows by id alone, which a merge by (key, id) cannot take in order
        (it sorted the arms' rows instead of a Merge Append); ``exact``: as an equality there too."""
        if value is None:
            return sort.expr.is_(None)
        return sort.expr == value if sqlite or exact else and_(sort.expr >= value, sort.expr <= value)

    def grouped(offset: int) -> list[Any]:
        """The page ``offset`` rows from the start, from the ranges of the values it spans (``groups``) merged in
        one statement: the values before it are skipped by their counts."""
        spanned: list[Any] = []
        reach = offset + q.size
        for value, n in groups if ascending else reversed(groups):
            if n <= 0:
                continue
            if not spanned and offset >= n:  # wholly before the page
                offset, reach = offset - n, reach - n
                continue
            if reach <= 0:
                break
            spanned.append(value_is(value))
            place = within(value, n) if within is not None and len(spanned) == 1 and offset else None
            target = place(offset) if place is not None else None
            if target is not None:  # deep in the first value: from the band of its ids holding the page's first row
                # as an equality on PostgreSQL too: a range of one value cannot bound the ids on the (key, id) index,
                # and the arm is ordered and limited to the few rows the page can take from it (``_merged``)
                spanned[0], offset = and_(value_is(value, exact=True), target[0]), target[1]
            reach -= n
        if not spanned:
            return []
        return read(None, ascending, offset, parts=spanned, unbounded=True)

    def grouped_past(cur: Cursor, forward: bool) -> list[Any] | None:
        """A page's rows past ``cur`` read in the list's order (``forward``: ascending) or its reverse: the rest of
        the cursor's value, then the values after it that hold rows, as many as a page may need (``groups``), merged
        in one statement. None when the cursor's value is not among them (its rows changed meanwhile)."""
        values = [(value, n) for value, n in (groups if forward else reversed(groups)) if n > 0]
        names = [value for value, _ in values]
        if cur.value not in names:
            return None
        beyond = ident > cur.ident if forward else ident < cur.ident
        spanned, need = [and_(value_is(cur.value), beyond)], q.size
        for value, n in values[names.index(cur.value) + 1:]:
            if need <= 0:
                break
            spanned.append(value_is(value))
            need -= n
        return read(None, forward, cur=cur, parts=spanned, unbounded=True)

    def counted(offset: int) -> list[Any]:
        """The page ``offset`` rows from the start, of a key that may be NULL whose NULLs are counted (``nulls``):
        the NULLs and the values read as two ranges, the offset placed in the right one, an empty one not read."""
        key = sort.expr
        sides = [(key.is_(None), nulls, True), (key.is_not(None), total - nulls, False)]
        rows: list[Any] = []
        for where, n, unbounded in sides if ascending else reversed(sides):
            if offset >= n:
                offset -= n
                continue
            place = among_nulls(n) if among_nulls is not None and unbounded and offset else None
            target = place(offset) if place is not None else None
            if target is not None:  # deep among the NULL keys, ordered by id: from the band of ids holding its first row
                bound, skip, target_keys = target
                rows += _read(finder if target_keys is None else target_keys, and_(where, bound), ascending, skip,
                              min(q.size - len(rows), n - offset))
                offset = 0
                if len(rows) >= q.size:
                    break
                continue
            if n == total and sqlite and offset and unbounded:
                # every row on the NULL side, deep in it: SQLite sorts the filter's rows faster than it walks the side
                # (Declined at three offices by Amount Financed, the last page typed: 57 -> 37 ms); from the start,
                # and on PostgreSQL always, the side's own range is the quicker. Every row on the keys' side keeps its
                # IS NOT NULL, which SQLite seeks past the NULLs (Approved by Amount Financed: 30 -> 3.6 ms)
                where, unbounded = None, False
            rows += read(where, ascending, offset, size=min(q.size - len(rows), n - offset), unbounded=unbounded)
            offset = 0
            if len(rows) >= q.size:
                break
        return rows

    def left() -> int:
        """The rows of the page being read: a full page, or on the last page the rows left past the others."""
        return total - (pages - 1) * q.size if total is not None and page == pages else q.size

    found: list[Any] = []
    if q.after and page > 1:
        cur = read_cursor(q.after, sort=q.sort, direction=q.direction, page=page - 1, kind=sort.kind)
        if cur is not None:
            found = past(cur, ascending)
    elif q.before and page < pages:
        cur = read_cursor(q.before, sort=q.sort, direction=q.direction, page=page + 1, kind=sort.kind)
        if cur is not None:
            found = list(reversed(past(cur, not ascending)))
            if len(found) < q.size:  # rows were added or removed meanwhile: show a full first page instead
                page, found = 1, []
    seek = bool(found)
    if not found:  # no cursor, or the rows around it are gone: count from the start
        offset = (page - 1) * q.size
        target = jump(offset) if jump is not None else None
        if target is not None:
            bound, skip, target_keys = target
            found = _read(finder if target_keys is None else target_keys, bound, ascending, skip, q.size)
        if not found and groups is not None:
            found = grouped(offset)
        elif not found and not offset and ascending and sort.nullable and walk is not None and nulls is None:
            # page 1 from among the NULL keys, their number unknown: a walk from there could not be bounded and passed
            # every key up to the filter's rows (a quarter by Expected Date: 15 ms). The NULLs' own range, then the
            # keys from their start, bounded
            key = sort.expr
            found = read(key.is_(None), True, unbounded=True)
            if len(found) < q.size:
                found += read(key.is_not(None), True, size=q.size - len(found), keys_only=True)
        elif not found and nulls is not None and total is not None and sort.nullable:
            found = counted(offset)
        elif not found:  # no tally to place it (or it moved meanwhile): skip the keys before it
            found = read(None, ascending, offset)
    edges = [(_ident_of(r), r[-1]) for r in found]

    def token(edge: tuple[int, Any]) -> str:
        return Cursor(q.sort, q.direction, page, edge[1], edge[0]).token()

    return Window(rows=[tuple(r)[:-1] for r in found], page=page, first=token(edges[0]) if edges else "",
                  last=token(edges[-1]) if edges else "", seek=seek)


def _past(sort: SortKey, ident: Any, cur: Cursor, forward: bool, pinned: bool = False) -> list[Any]:
    """The rows past ``cur`` read ascending (``forward``) or descending, as conditions each of which seeks one range
    of the sort's index, in reading order: NULL keys come first ascending, so from a cursor among them the rest of
    them and then every key; descending from a key, the keys below it and then the NULLs. ``pinned`` (the filter
    allows one value of the key): past a cursor on a value, the rows past its id."""
    key = sort.expr
    if pinned and cur.value is not None:
        return [ident > cur.ident] if forward else [ident < cur.ident]
    if forward:
        if cur.value is None:
            return [and_(key.is_(None), ident > cur.ident), key.is_not(None)]
        return [_after_asc(key, ident, cur)]
    if cur.value is None or not sort.nullable:
        return [_before_asc(key, ident, cur, sort.nullable)]
    return [_before_asc(key, ident, cur, False), key.is_(None)]


def _both(where: Any, limit: Any) -> Any:
    return limit if where is None else where if limit is None else and_(where, limit)


def _ident_of(row: Any) -> int:
    return row[0] if isinstance(row[0], int) else getattr(row[0], "id", 0)
