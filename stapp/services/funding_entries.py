"""Company-wide Funding Entries (Company Accounting and Funding: View).

Rows come only from locations where the user holds Funding Details: View. Filtering, sorting, paging
and the summary all run in the database on indexed columns of ``funding``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, case, exists, false, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from stapp.db import tally
from stapp.db.engine import plan_for_values
from stapp.db.models import (
    CatalogEntry,
    Customer,
    Funding,
    FundingAmountBands,
    FundingAmountBandsByExpected,
    FundingCustomerBands,
    FundingCustomerBounds,
    FundingExpectedBands,
    FundingExpectedTally,
    FundingIdBands,
    FundingIdBandsByExpected,
    FundingTally,
    Location,
)
from stapp.db.types import utcnow
from stapp.domain.funding import (
    AGEING,
    HOLDBACK_DUE_DAYS,
    HOLDBACK_FILTERS,
    NO_FUNDER,
    NO_FUNDER_ID,
    NO_OUTCOME,
    SERVICE_CANCELLED,
    CatalogKind,
    FundingOutcome,
    FundingStatus,
)
from stapp.domain.listing import (
    Cursor,
    ListQuery,
    query_choice,
    query_choices,
    query_date,
    query_ids,
    query_int,
    query_token,
)
from stapp.domain.money import format_cents
from stapp.domain.permissions import Permission
from stapp.services.auth import Actor
from stapp.services.authz import location_clause, require
from stapp.services.paging import (
    PROBE_PER_DAY,
    READ_PER_WALK,
    SORT_PER_WALK,
    Jump,
    SortKey,
    Walk,
    Window,
    by_bands,
    by_tally,
    day_extremes,
    ends,
    extreme,
    fetch,
    id_bound,
    in_or_null,
    office_arms,
    office_conditions,
    one_office,
    ordered,
    pins_key,
    range_ahead,
    spread_bound,
    unindexed,
    walk_budget,
    within_bands,
)

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
SORTS = {
    "id": "ID",
    "created": "Created Date",
    "customer": "Customer",
    "amount_expected": "Amount Expected",
    "date_expected": "Expected Date",
    "funder": "Funder",
    "status": "Status",
    "outcome": "Outcome",
}
COLUMNS = [
    "ID", "Customer", "Location", "Funder", "Funding Type", "Status", "Outcome", "Amount Expected",
    "Net Received", "Remaining", "Date Expected", "Created", "Still Held Back", "Holdback Release Date",
    "Chargeback Risk",
]
OUTCOME_CHOICES = [o.value for o in FundingOutcome] + [NO_OUTCOME]


def utc_day_start(day: date) -> datetime:
    """Midnight UTC at the start of ``day``: date ranges are inclusive whole UTC days."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def parse_query(params: Mapping[str, str]) -> ListQuery:
    """The list's filters, sort and page from the URL's query parameters."""
    params = params if isinstance(params, Mapping) else {}
    return ListQuery(
        filters={
            "created_from": query_date(params, "created_from"),
            "created_to": query_date(params, "created_to"),
            "expected_from": query_date(params, "expected_from"),
            "expected_to": query_date(params, "expected_to"),
            "funders": query_ids(params, "funders"),
            "statuses": query_choices(params, "statuses", [s.value for s in FundingStatus]),
            "outcomes": query_choices(params, "outcomes", OUTCOME_CHOICES),
            "locations": query_ids(params, "locations"),
            "holdbacks": query_choices(params, "holdbacks", list(HOLDBACK_FILTERS)),
            "ages": query_choices(params, "ages", [key for key, *_ in AGEING]),  # days in the status
        },
        sort=query_choice(params, "sort", SORTS, "created"),  # newest first; a date range then seeks its index
        direction=query_choice(params, "dir", ("asc", "desc"), "desc"),
        page=query_int(params, "page", 1),
        size=query_int(params, "size", DEFAULT_PAGE_SIZE, allowed=PAGE_SIZES),
        after=query_token(params, "after"),
        before=query_token(params, "before"),
    )


def _where(actor: Actor, q: ListQuery, *, summing: bool = False, today: date | None = None,
           walk: frozenset = frozenset()) -> list:
    """The filters as SQL. ``summing``: for the totals, which read every matching row, a status (a fifth of
    the table or more) is tested on the row instead of walked on an index: one sequential pass beats that
    many random reads (SQLite otherwise picked the (status, created) index: 140 ms instead of 30). The same
    holds for a funder (a third of the rows each) and an outcome (half the rows have none yet: 420 ms on its
    index against 70 ms for the pass). ``walk`` (SQLite, ``_walk``): the columns tested on each entry of the walked
    index, not sought on their own indexes."""
    f = q.filters

    def column(c: Any) -> Any:
        return unindexed(c) if c.key in walk else c

    expected = column(Funding.date_expected)
    created = column(Funding.created_at)
    funder, status, outcome = column(Funding.funder_id), column(Funding.status), column(Funding.outcome)
    today = today or utcnow().date()  # the day "due", "released" and "days in status" count from (UTC)
    conds = [location_clause(actor, Permission.FUNDING_DETAILS_VIEW, column(Funding.location_id))]
    if f.get("created_from"):
        conds.append(created >= utc_day_start(f["created_from"]))
    if f.get("created_to"):
        conds.append(created < utc_day_start(f["created_to"] + timedelta(days=1)))
    if f.get("expected_from"):
        conds.append(expected >= f["expected_from"])
    if f.get("expected_to"):
        conds.append(expected <= f["expected_to"])
    if f.get("funders"):
        conds.append(in_or_null(Funding.funder_id + 0 if summing else funder, f["funders"], NO_FUNDER_ID))
    if f.get("statuses"):
        conds.append((Funding.status + "" if summing else status).in_(f["statuses"]))
    if f.get("outcomes"):
        conds.append(in_or_null(Funding.outcome + "" if summing else outcome, f["outcomes"], NO_OUTCOME))
    if f.get("locations"):
        conds.append(column(Funding.location_id).in_(f["locations"]))
    if f.get("ages"):
        conds.append(or_(*[in_status_for(key, today) for key in f["ages"]]))
    if f.get("holdbacks"):
        held = Funding.holdback_cents > 0
        parts = []
        if "due" in f["holdbacks"]:  # the release date falls today or within the next 30 days
            parts.append(and_(held, Funding.holdback_release_date >= today,
                              Funding.holdback_release_date <= today + timedelta(days=HOLDBACK_DUE_DAYS)))
        if "released" in f["holdbacks"]:
            parts.append(and_(held, Funding.holdback_release_date <= today))
        if "risk" in f["holdbacks"]:
            owner = aliased(Customer)  # its own name: the rows query already joins Customer
            # only fundings with a release date, of the (few) cancelled customers, are tested one by one:
            # the bare EXISTS tested all 300,000 fundings on SQLite (700 ms)
            cancelled = select(owner.id).where(owner.service_status == SERVICE_CANCELLED)
            parts.append(and_(Funding.holdback_release_date.is_not(None), Funding.customer_id.in_(cancelled),
                              exists().where(owner.id == Funding.customer_id, _risk(owner))))
        conds.append(or_(*parts))
    return conds


def in_status_for(key: str, today: date):  # noqa: ANN201
    """Fundings that entered their current status ``low``..``high`` whole UTC days before ``today``."""
    _, low, high, _ = next(bucket for bucket in AGEING if bucket[0] == key)
    conds = []
    if low:
        conds.append(Funding.status_since < utc_day_start(today - timedelta(days=low - 1)))
    if high is not None:
        conds.append(Funding.status_since >= utc_day_start(today - timedelta(days=high)))
    return and_(*conds)


def _risk(customer: Any = Customer):  # noqa: ANN202
    """The customer cancelled inside the funding's guarantee period (see domain chargeback_risk)."""
    return and_(
        customer.service_status == SERVICE_CANCELLED,
        customer.cancelled_on < Funding.holdback_release_date,
        or_(Funding.date_expected.is_(None), customer.cancelled_on >= Funding.date_expected),
    )


def _held_back(today: date):  # noqa: ANN202
    """What is still held back on ``today``, in the database (see domain Holdback.held_cents)."""
    return case((Funding.holdback_release_date <= today, 0), else_=func.coalesce(Funding.holdback_cents, 0))


@dataclass(frozen=True)
class EntriesPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    summary: dict[str, str]
    first: str = ""  # cursor tokens of the page's first and last rows (Previous / Next)
    last: str = ""


def _unordered(actor: Actor, q: ListQuery, today: date | None = None) -> tuple[Any, SortKey, Any]:
    """The list's rows for ``q`` (filters only), with the sort key as the last column; its sort key; and the
    same filter on the id and the sort key alone, on ``funding`` (see paging.fetch)."""
    query, sort, keys = _parts(actor, q, today or utcnow().date())
    return query.where(keys.whereclause), sort, keys


def _parts(actor: Actor, q: ListQuery, today: date, *, walk: frozenset = frozenset()) -> tuple[Any, SortKey, Any]:
    """What ``paging.fetch`` takes for a deferred join: the rows' columns and joins without the filter, the sort
    key, and the filter on the id and the sort key. One ``today`` for the Held Back column and the filters, so
    a page read at midnight UTC cannot mix two days."""
    query, sort, keys = _shape(q.sort, today)
    return query, sort, keys.where(and_(*_where(actor, q, today=today, walk=walk)))


_LAST_ID = select(func.max(Funding.id))  # about how many fundings there are: one index probe
# the oldest and the newest funding's creation: two index probes (one statement with both would read every row)
_CREATED_ENDS = ends(Funding.created_at)


# The filters a walked index can test on its entries (models' ``ix_funding_*_wide``), as their columns.
_WIDE = {"created_from": "created_at", "created_to": "created_at", "expected_from": "date_expected",
         "expected_to": "date_expected", "funders": "funder_id", "statuses": "status", "outcomes": "outcome",
         "locations": "location_id"}
_DATES = frozenset({"created_at", "date_expected"})
# the least and greatest of a numeric or date sort key, two index probes; the other keys are text, walked unbounded
_KEY_ENDS = {"created": _CREATED_ENDS, "amount_expected": ends(Funding.amount_expected_cents),
             "date_expected": ends(Funding.date_expected)}


def _walk(session: Session, actor: Actor, q: ListQuery, count: int, today: date) -> Walk | None:
    """A filtered page sorted by another column walks the sort's index in order, testing the filter on its entries
    (``paging.Walk``), when that is cheaper than finding the filter's rows and sorting them:
    - a date range sorted by Created or ID: ``ix_funding_created_expected`` (an Expected range) or
      ``ix_funding_id_dates``, which carry the dates;
    - any filter of ``_WIDE`` sorted by Customer, Amount Expected, Expected Date, Funder, Status or Outcome: the
      sort's ``ix_funding_*_wide`` (SQLite), which carries every one of them. A key that may be NULL is walked
      unbounded among its NULLs (``paging.spread_bound``); a text key walks with no bound (the index alone: at most
      every funding's entry, about what finding and sorting a few thousand rows costs)."""
    f = q.filters
    used = {name for name, value in f.items() if value}
    expected, created = bool(used & EXPECTED_RANGE), bool(used & {"created_from", "created_to"})
    sort = _shape(q.sort, today)[1]
    if q.sort in ("created", "id"):
        if not ((q.sort == "created" and expected) or (q.sort == "id" and (expected or created))):
            return None
        # the dates but the sort key's; sorting a range reads its keys from an index
        walked, per_walk = _DATES - {"created_at"} if q.sort == "created" else _DATES, SORT_PER_WALK
    else:
        # the sort key's own filter stays sought (the walk then reads only the chosen keys' part of the index), and
        # so does one office, whose own index gives its rows in the sort's order
        sought = {sort.expr.key} | ({"location_id"} if one_office(actor, q, Permission.FUNDING_DETAILS_VIEW) else set())
        if not used <= _WIDE.keys() or not {_WIDE[name] for name in used} - sought:
            return None  # a filter no wide index holds; or none to test on its entries
        walked, per_walk = frozenset(_WIDE.values()) - sought, READ_PER_WALK  # sorting reads each matching row
    found = walk_budget(session, q, count, _LAST_ID, per_walk)
    if found is None:
        return None
    budget, top = found
    if q.sort == "id":
        bound = id_bound(Funding.id, top)
    elif q.sort in _KEY_ENDS:
        bound = spread_bound(session, sort.expr, _KEY_ENDS[q.sort], top, sort.nullable)
    else:
        bound = _unbounded
    return Walk(_parts(actor, q, today, walk=walked)[2], budget, bound, start=_start(session, q, sort.expr, count))


def _start(session: Session, q: ListQuery, key: Any, count: int) -> Any:
    """``Walk.start`` of a range of one date sorted by the other: an Expected range by Created reads the least or
    greatest creation of its fundings on ``ix_funding_expected_wide``, a Created range by Expected Date the least or
    greatest Expected Date of its fundings on ``ix_funding_created_expected``, each carrying the other date. The two
    dates go together (a funder pays some weeks after the sale), so an Expected range's fundings sit together in the
    Created order, far from either end: a walk from the end passed 51,000-219,000 entries before its first page (10-18
    ms), from their own first key 25. One aggregate over the range's index entries (an Expected quarter, 30,000: 5 ms),
    or for an Expected range of fewer days than its ``count`` rows make worth it (``PROBE_PER_DAY``), one probe of
    ``ix_funding_expected_wide`` a day (0.6 ms)."""
    f = q.filters
    first, last = f.get("expected_from"), f.get("expected_to")
    if q.sort == "created" and first and last and ((last - first).days + 1) * PROBE_PER_DAY < count:
        return day_extremes(session, key, Funding.date_expected, first, last)
    if q.sort == "created" and (first or last):
        other = Funding.date_expected
        where = [other >= first] if first else []
        where += [other <= last] if last else []
    elif q.sort == "date_expected" and (f.get("created_from") or f.get("created_to")):
        other = Funding.created_at
        where = [other >= utc_day_start(f["created_from"])] if f.get("created_from") else []
        where += [other < utc_day_start(f["created_to"] + timedelta(days=1))] if f.get("created_to") else []
    else:
        return None
    return extreme(session, key, and_(*where))


def _unbounded(_cur: Cursor | None, _ascending: bool, _budget: int, _keys_only: bool = False) -> None:
    """``Walk.bound`` of a text key: no condition on the key can stand for a number of entries."""
    return None


@lru_cache(maxsize=32)
def _shape(sort_name: str, today: date) -> tuple[Any, SortKey, Any]:
    """What every page of one sort shares on one UTC day, built once: the columns, the joins and the sort key.
    Building them took about 2.7 ms a call, more than the page's SQL (statements are immutable, and
    ``.where`` on one returns a new one, so sharing them between sessions and threads is safe)."""
    funder = aliased(CatalogEntry)
    ftype = aliased(CatalogEntry)
    remaining = func.coalesce(Funding.amount_expected_cents, 0) - Funding.net_received_cents
    sort = {
        "id": SortKey(Funding.id, "int", nullable=False),
        "created": SortKey(Funding.created_at, "datetime", nullable=False),
        # the customer's and the funder's names, kept on the funding by triggers (stapp/db/sortkeys.py)
        "customer": SortKey(Funding.customer_sort, "str", nullable=False),
        "amount_expected": SortKey(Funding.amount_expected_cents, "int"),
        "date_expected": SortKey(Funding.date_expected, "date"),
        "funder": SortKey(Funding.funder_sort, "str"),
        "status": SortKey(Funding.status, "str", nullable=False),
        "outcome": SortKey(Funding.outcome, "str"),
    }[sort_name]
    query = (
        select(
            Funding.id,
            Funding.customer_id,
            Customer.first_name,
            Customer.last_name,
            Location.name,
            funder.name,
            ftype.name,
            Funding.status,
            Funding.outcome,
            Funding.amount_expected_cents,
            Funding.net_received_cents,
            remaining,
            Funding.date_expected,
            Funding.created_at,
            Funding.holdback_cents,
            _held_back(today),
            Funding.holdback_release_date,
            case((_risk(), 1), else_=0),
            sort.expr,
        )
        .join(Customer, Customer.id == Funding.customer_id)
        .join(Location, Location.id == Funding.location_id)
        .join(funder, funder.id == Funding.funder_id, isouter=True)
        .join(ftype, ftype.id == Funding.funding_type_id, isouter=True)
    )
    return query, sort, select(Funding.id, sort.expr).select_from(Funding)


def _select_rows(actor: Actor, q: ListQuery):  # noqa: ANN202
    query, sort, _ = _unordered(actor, q)
    return ordered(query, sort, Funding.id, q)


def _row(r) -> dict[str, Any]:  # noqa: ANN001
    (fid, customer_id, first, last, location, funder, ftype, status, outcome, expected, net, remaining,
     date_expected, created_at, holdback, held, release, risk) = tuple(r)[:18]
    return {
        "id": fid,
        "customer_id": customer_id,
        "customer": f"{first} {last}",
        "location": location,
        "funder": funder or NO_FUNDER,
        "funding_type": ftype or "",
        "status": status,
        "outcome": outcome or "",
        "amount_expected": format_cents(expected or 0),
        "net_received": format_cents(net),
        "remaining": format_cents(remaining),
        "date_expected": date_expected.isoformat() if date_expected else "",
        "created": created_at.strftime("%Y-%m-%d") if created_at else "",
        "held_back": format_cents(held) if holdback else "",
        "holdback_release_date": release.isoformat() if holdback and release else "",
        "chargeback_risk": bool(risk),
    }


# The filters ``funding_tally`` carries; an Expected range instead of a Created one is carried by
# ``funding_expected_tally`` (both ranges at once by neither). The others (holdbacks, days in status) depend on
# more than their columns or on today's date; with one of them the summary sums the matching rows.
TALLIED_FILTERS = frozenset({"created_from", "created_to", "locations", "statuses", "outcomes", "funders"})
EXPECTED_RANGE = frozenset({"expected_from", "expected_to"})


def summary(session: Session, actor: Actor, q: ListQuery, today: date | None = None) -> dict[str, Any]:
    """Count and totals over the whole filtered set, not just the page: from the maintained aggregate when it
    carries every filter in use, else from the rows."""
    totals = tallied(session, actor, q)
    return totals if totals is not None else counted(session, actor, q, today)


def _totals(count: int, expected: int, net: int) -> dict[str, int]:
    return {"count": int(count), "expected_cents": int(expected), "net_cents": int(net),
            "remaining_cents": int(expected - net)}


def counted(session: Session, actor: Actor, q: ListQuery, today: date | None = None) -> dict[str, Any]:
    """The summary summed from the fundings (any filter; the reference in tests), planned for its values (a generic plan
    cannot see how many fundings a date range holds)."""
    plan_for_values(session)
    expected = func.coalesce(func.sum(func.coalesce(Funding.amount_expected_cents, 0)), 0)
    net = func.coalesce(func.sum(Funding.net_received_cents), 0)
    count, exp, got = session.exec(
        select(func.count(Funding.id), expected, net).where(and_(*_where(actor, q, summing=True, today=today)))
    ).one()
    return _totals(count, exp, got)


def _by_expected(q: ListQuery) -> bool:
    """Whether ``q`` has an Expected range (its summary and tallies are then by Date Expected)."""
    return any(q.filters.get(name) for name in EXPECTED_RANGE)


def tally_where(actor: Actor, q: ListQuery) -> list | None:
    """Conditions on ``funding_tally`` matching ``q`` (whole months plus the days at the edges of a Created
    range, same locations and filters); None when a filter in use is not in the tally. An empty date range
    gives a condition no row meets. (An Expected range: ``expected_tally_where``.)"""
    f = q.filters
    if any(value for name, value in f.items() if name not in TALLIED_FILTERS):
        return None
    return _tally_conds(actor, q, FundingTally, "created_from", "created_to")


def expected_tally_where(actor: Actor, q: ListQuery) -> list | None:
    """Conditions on ``funding_expected_tally`` matching ``q``: an Expected range with the filters
    ``funding_tally`` carries but a Created range; None otherwise."""
    f = q.filters
    if any(value for name, value in f.items()
           if name not in (TALLIED_FILTERS | EXPECTED_RANGE) - {"created_from", "created_to"}):
        return None
    return _tally_conds(actor, q, FundingExpectedTally, "expected_from", "expected_to")


def _tally_conds(actor: Actor, q: ListQuery, t: Any, start: str, end: str) -> list:
    f = q.filters
    conds = [location_clause(actor, Permission.FUNDING_DETAILS_VIEW, t.location_id)]
    if f.get("locations"):
        conds.append(t.location_id.in_(f["locations"]))
    conds += _tallied_values(q, t)
    period = tally.period_clause(t, f.get(start), f.get(end))
    return [*conds, period if period is not None else false()]


def _tallied_values(q: ListQuery, t: Any) -> list:
    """Conditions on a tally's ``status``, ``outcome`` (none kept as ``''``) and ``funder_id`` for ``q``'s filters."""
    f, conds = q.filters, []
    if f.get("statuses"):
        conds.append(t.status.in_(f["statuses"]))
    if f.get("outcomes"):
        conds.append(t.outcome.in_(["" if o == NO_OUTCOME else o for o in f["outcomes"]]))
    if f.get("funders"):
        conds.append(t.funder_id.in_(f["funders"]))  # No Funder is stored as 0, its filter value
    return conds


def tallied(session: Session, actor: Actor, q: ListQuery) -> dict[str, Any] | None:
    """The summary from ``funding_tally`` (``stapp/db/tally.py``), or with an Expected range from
    ``funding_expected_tally``; None when a filter in use is in neither."""
    by_expected = _by_expected(q)
    where = expected_tally_where(actor, q) if by_expected else tally_where(actor, q)
    if where is None:
        return None
    sums = _EXPECTED_TALLY_SUMS if by_expected else _TALLY_SUMS
    count, exp, got = session.exec(sums.where(and_(*where))).one()
    return _totals(count, exp, got)


def null_keys(session: Session, actor: Actor, q: ListQuery) -> int | None:
    """How many of the filter's rows have no Funder or no Outcome when the list is sorted by it, from the tally the
    summary reads (``key_groups``' group of none); None for another sort or a filter the tallies lack. With it a
    page reads the NULLs and the values as two ranges of known sizes (``paging.fetch``)."""
    if q.sort not in ("funder", "outcome"):
        return None
    groups = key_groups(session, actor, q)
    return None if groups is None else sum(n for value, n in groups if value is None)


def key_groups(session: Session, actor: Actor, q: ListQuery) -> list[tuple[Any, int]] | None:
    """The filter's fundings for each Status, Outcome or Funder's name when the list is sorted by it, from the tally
    the summary reads, in the list's ascending order (none first, as None; the names as the database orders them):
    ``paging.fetch``'s ``groups``. None for another sort or a filter the tallies lack."""
    if q.sort not in ("status", "outcome", "funder"):
        return None
    by_expected = _by_expected(q)  # the tally the summary reads
    t = FundingExpectedTally if by_expected else FundingTally
    where = expected_tally_where(actor, q) if by_expected else tally_where(actor, q)
    if where is None:
        return None
    n = func.sum(t.n)
    if q.sort == "funder":  # no funder is kept as 0, which names no catalog entry
        value = CatalogEntry.name
        counts = select(value, n).select_from(t).outerjoin(CatalogEntry, CatalogEntry.id == t.funder_id)
    else:  # no outcome is kept as ''
        value = t.status if q.sort == "status" else t.outcome
        counts = select(value, n)
    rows = session.exec(counts.where(and_(*where)).group_by(value).order_by(value)).all()
    groups = [(v if v not in (None, "") else None, int(count)) for v, count in rows if count]
    return sorted(groups, key=lambda group: group[0] is not None)  # NULL first; a stable sort keeps the rest in order


# The band tallies of the sorts a page typed deep is placed by (``stapp/db/tally.py`` ``BANDS``), by creation and by
# Date Expected (None: none by it), and a band's keys.
_BANDS = {"amount_expected": (FundingAmountBands, FundingAmountBandsByExpected, lambda _session: tally.number_range),
          "date_expected": (FundingExpectedBands, None, lambda _session: tally.month_range),
          "customer": (FundingCustomerBands, None, lambda session: tally.bounds_range(
              session.exec(select(FundingCustomerBounds.bound).order_by(FundingCustomerBounds.position)).all())),
          "id": (FundingIdBands, FundingIdBandsByExpected, lambda _session: tally.number_range)}
_BAND_FILTERS = frozenset({"statuses", "outcomes", "funders"})


def band_where(actor: Actor, q: ListQuery, t: Any, *, by_expected: bool = False) -> list | None:
    """Conditions on the band tally ``t`` matching ``q``: its statuses, outcomes, funders and a Created range of whole
    months or, for a tally by Date Expected (``by_expected``), an Expected range of whole months; None for a filter it
    does not hold (offices, the other range, days at a range's edges...) or a user whose permission covers some
    offices only (the tally has no location)."""
    f = q.filters
    start, end = ("expected_from", "expected_to") if by_expected else ("created_from", "created_to")
    if any(value for name, value in f.items() if name not in _BAND_FILTERS | {start, end}) or \
            actor.grants.locations(Permission.FUNDING_DETAILS_VIEW) is not None:
        return None
    period = tally.months_clause(t, f.get(start), f.get(end))
    return None if period is None else [*_tallied_values(q, t), period]


def _bands(session: Session, actor: Actor, q: ListQuery, count: int, today: date) -> Jump | None:
    """A page typed deep into a filter sorted by Customer, Amount Expected or Expected Date is placed by the sort's band
    tally (``paging.by_bands``; Customer's bands are ranges between bounds chosen from the keys, read when placing);
    on SQLite its bands are read on the sort's wide index, the filter tested on its entries. Every row (no filter)
    is read on that index without it."""
    if q.sort not in _BANDS or not any(q.filters.values()):
        return None
    by_creation, by_expected, key_range = _BANDS[q.sort]
    expected = _by_expected(q)
    t = by_expected if expected else by_creation
    where = None if t is None else band_where(actor, q, t, by_expected=expected)
    if where is None:
        return None
    sort, keys = _shape(q.sort, today)[1], None
    if session.get_bind().dialect.name == "sqlite":
        # by ID, a status's, outcome's or funder's own index gives its rows by id, the dates tested on its entries
        walked = _DATES if q.sort == "id" else frozenset(_WIDE.values()) - {sort.expr.key}
        keys = _parts(actor, q, today, walk=walked)[2]
    ranges: list[Any] = []  # a band's keys, read when a page is placed (Customer's bounds: once)

    def band_keys(band: int) -> tuple[Any, Any]:
        if not ranges:
            ranges.append(key_range(session))
        return ranges[0](band)

    return by_bands(session, t, where, sort, q, count, band_keys, _LAST_ID, keys=keys,
                    from_start=_placed_from_start(session, q, today))


def _placed_from_start(session: Session, q: ListQuery, today: date) -> bool:
    """Whether a first page is placed by its band tally too (``paging.by_bands``' ``from_start``).

    - A Created or Expected range sorted by ID when rows outside it lie ahead (``paging.range_ahead``): ids follow
      creation, and an expected date its funding's creation, so a range's rows sit together along the id index.
    - On PostgreSQL, a Created range sorted by Expected Date. An expected date follows its funding's creation, so the
      range's rows begin far along the Expected Date index, which PostgreSQL read from its start (a quarter ascending,
      page 1: 200,000 entries passed, 27-35 ms; from the range's first band 14-15 ms). SQLite's walk already starts
      where the filter's keys begin (``paging.Walk.start``).

    Not for other filters or keys, whose rows begin near the index's start: reading the tally cost them 1-7 ms a first
    page."""
    if range_ahead(q, "created_from", "created_to", today) or range_ahead(q, "expected_from", "expected_to"):
        return True
    return (q.sort == "date_expected" and bool(q.filters.get("created_from") or q.filters.get("created_to"))
            and session.get_bind().dialect.name == "postgresql")


_BY_ID = SortKey(Funding.id, "int", nullable=False)


def _within(session: Session, actor: Actor, q: ListQuery) -> Any:
    """``paging.fetch``'s ``within`` for a sort by Status, Outcome or Funder (``key_groups``): a page deep in one value is
    placed among that value's rows, which are ordered by id, by ``funding_id_bands`` (a quarter by Status, page 400:
    11-13 ms on SQLite; by Funder, 26 ms on PostgreSQL), or with an Expected range ``funding_id_bands_by_expected``.
    None for a filter that tally does not hold."""
    expected = _by_expected(q)
    t = FundingIdBandsByExpected if expected else FundingIdBands

    def value_of(tally_table: Any, value: Any) -> Any:
        if q.sort == "status":
            return tally_table.status == value
        if q.sort == "outcome":
            return tally_table.outcome == (value or "")
        if value is None:  # no funder, kept as 0
            return tally_table.funder_id == NO_FUNDER_ID
        # the funders of that name (``key_groups`` counts names); a count that does not add up is not placed
        return tally_table.funder_id.in_(select(CatalogEntry.id).where(CatalogEntry.name == value))

    return within_bands(session, t, band_where(actor, q, t, by_expected=expected), _BY_ID, q,
                        lambda value: value_of(t, value),
                        lambda value: select(func.sum(FundingTally.n)).where(FundingTally.grain == "y",
                                                                               value_of(FundingTally, value)))


def _sums(t: Any):  # noqa: ANN202
    return select(func.coalesce(func.sum(t.n), 0), func.coalesce(func.sum(t.expected_cents), 0),
                  func.coalesce(func.sum(t.net_cents), 0))


_TALLY_SUMS, _EXPECTED_TALLY_SUMS = _sums(FundingTally), _sums(FundingExpectedTally)  # built once


def list_entries(session: Session, actor: Actor, q: ListQuery) -> EntriesPage:
    require(actor, Permission.COMPANY_ACCOUNTING_VIEW)
    today = utcnow().date()
    totals = summary(session, actor, q, today)
    pages = max(1, -(-totals["count"] // q.size))
    window = entries_window(session, actor, q, totals["count"], pages, today)
    return EntriesPage(
        rows=[_row(r) for r in window.rows],
        total=totals["count"],
        page=window.page,
        pages=pages,
        first=window.first,
        last=window.last,
        summary={
            "count": f"{totals['count']:,}",
            "expected": format_cents(totals["expected_cents"]),
            "net": format_cents(totals["net_cents"]),
            "remaining": format_cents(totals["remaining_cents"]),
        },
    )


def entries_window(session: Session, actor: Actor, q: ListQuery, count: int, pages: int, today: date) -> Window:
    """The rows of a Funding Entries page for a filter the summary counts (``count`` rows, ``pages`` pages), found as
    ``list_entries`` finds them (the bench times this alone)."""
    columns, sort, keys = _parts(actor, q, today)
    # a few offices: each office's index gives its rows in the sort's order (a Created range too, sorted by Created),
    # and each office's status, for the sorts whose office index has the status next
    offices = office_arms(actor, q, Permission.FUNDING_DETAILS_VIEW,
                          paired="statuses" if q.sort in _STATUS_WITHIN_OFFICE else None)
    # a key of few values is read one value at a time (their counts, NULLs included); a few offices one office at a time
    groups = None if offices else key_groups(session, actor, q)
    return fetch(session, columns, sort, Funding.id, q, pages, keys=keys,
                 walk=None if offices else _walk(session, actor, q, count, today),
                 jump=by_tally(session, FundingTally, lambda: tally_where(actor, q), Funding.created_at, q)
                 or (None if offices else _bands(session, actor, q, count, today)), total=count,
                 nulls=null_keys(session, actor, q) if groups is None else None,
                 pinned=pins_key(q, {"status": "statuses", "outcome": "outcomes"}), groups=groups,
                 within=_within(session, actor, q) if groups else None,
                 arms=office_conditions(offices, Funding.location_id, Funding.status) if offices else None)


# The sorts whose index within an office has the status next (``ix_funding_location_status``, by Status then ID):
# statuses at a few offices sorted by ID are read as one range per office and status (``paging.office_arms``' pairs):
# COMPLETE at three offices by ID, page 269 typed, 18-20 -> 4-5 ms on SQLite (PostgreSQL 10-11, about as before).
# Not by Created or Status, though ``ix_funding_location_status_*`` and that index would serve them: measured slower on
# PostgreSQL that way (by Created 11.8 -> 17.7 ms, by Status 9.4 -> 12.1), where the day's tally and the sort do well.
_STATUS_WITHIN_OFFICE = frozenset({"id"})


def export_csv(session: Session, actor: Actor, q: ListQuery, *, batch: int = 2000) -> Iterator[str]:
    """Exactly the filtered set, every page, with the list's columns, streamed in chunks."""
    require(actor, Permission.COMPANY_ACCOUNTING_VIEW)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield buffer.getvalue()
    result = session.exec(_select_rows(actor, q).execution_options(yield_per=batch))
    for chunk in result.partitions(batch):
        buffer.seek(0)
        buffer.truncate()
        for r in chunk:
            row = _row(r)
            writer.writerow(
                [
                    row["id"], _csv_safe(row["customer"]), row["location"], _csv_safe(row["funder"]),
                    _csv_safe(row["funding_type"]), row["status"], row["outcome"], row["amount_expected"],
                    row["net_received"], row["remaining"], row["date_expected"], row["created"],
                    row["held_back"], row["holdback_release_date"], "Yes" if row["chargeback_risk"] else "",
                ]
            )
        yield buffer.getvalue()


def _csv_safe(value: str) -> str:
    """Neutralise spreadsheet formulas in user-entered text (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def filter_options(session: Session, actor: Actor) -> dict[str, list[dict[str, str]]]:
    """Funders and locations offered by the filter bar."""
    require(actor, Permission.COMPANY_ACCOUNTING_VIEW)
    funders = session.exec(
        select(CatalogEntry).where(CatalogEntry.kind == CatalogKind.FUNDER.value).order_by(CatalogEntry.name)
    ).all()
    locations = session.exec(
        select(Location)
        .where(location_clause(actor, Permission.FUNDING_DETAILS_VIEW, Location.id))
        .order_by(Location.name)
    ).all()
    return {
        "funders": [{"value": str(f.id), "label": f.name} for f in funders]
        + [{"value": str(NO_FUNDER_ID), "label": NO_FUNDER}],
        "locations": [{"value": str(loc.id), "label": loc.name} for loc in locations],
        "statuses": [{"value": s.value, "label": s.value} for s in FundingStatus],
        "outcomes": [{"value": o.value, "label": o.value} for o in FundingOutcome]
        + [{"value": NO_OUTCOME, "label": "No outcome yet"}],
        "holdbacks": [{"value": k, "label": label} for k, label in HOLDBACK_FILTERS.items()],
        "ages": [{"value": key, "label": label} for key, _, _, label in AGEING],
    }
