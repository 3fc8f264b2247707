"""Application lists: the customer's Financing tab and the company Financing page.

Both are filtered, sorted, paged and summed in the database on indexed columns of
``finance_application``; the company list adds location, status and stage filters.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, func
from sqlmodel import Session, select

from stapp.db import tally
from stapp.db.engine import plan_for_values, run
from stapp.db.models import (
    ApplicationFinancedBands,
    ApplicationFinancedTally,
    ApplicationIdBands,
    ApplicationRequestedBands,
    ApplicationTally,
    ApplicationUnfinancedIdBands,
    Customer,
    FinanceApplication,
    FinanceProvider,
    Location,
    User,
)
from stapp.db.types import utcnow
from stapp.domain.financing import NOT_SUBMITTED_STAGE, STAGE_LABELS, AppStatus, stage_label
from stapp.domain.listing import (
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
from stapp.services.customers import customer_ref
from stapp.services.funding_entries import utc_day_start
from stapp.services.paging import (
    READ_PER_WALK,
    SORT_PER_WALK,
    Jump,
    SortKey,
    Walk,
    Window,
    by_bands,
    by_tally,
    ends,
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

SORTS = {"id": "ID", "created": "Created", "amount_requested": "Amount Requested",
         "amount_financed": "Amount Financed", "stage": "Stage"}
CUSTOMER_PAGE_SIZES = (10, 25, 50)
COMPANY_PAGE_SIZES = (10, 25, 50, 100)
NO_STAGE = "none"
# The "Sales reps" filter's value for applications whose rep's user account was deleted (created_by_id is
# set NULL then); user ids start at 1.
REMOVED_REP, REMOVED_REP_LABEL = 0, "(user removed)"
COLUMNS = ["ID", "Customer", "Location", "Lender", "Applicant", "Amount Requested", "Amount Financed", "Stage",
           "Status", "Created"]


def parse_query(params: Mapping[str, str], *, company: bool) -> ListQuery:
    params = params if isinstance(params, Mapping) else {}
    filters: dict[str, object] = {
        "created_from": query_date(params, "created_from"),
        "created_to": query_date(params, "created_to"),
    }
    if company:
        filters |= {
            "locations": query_ids(params, "locations"),
            "statuses": query_choices(params, "statuses", [s.value for s in AppStatus]),
            "stages": query_choices(params, "stages", [*STAGE_LABELS, NO_STAGE]),
            "reps": query_ids(params, "reps"),  # the sales rep who entered the application
        }
    sizes = COMPANY_PAGE_SIZES if company else CUSTOMER_PAGE_SIZES
    return ListQuery(
        filters=filters,
        sort=query_choice(params, "sort", SORTS, "created"),  # newest first; a date range then seeks its index
        direction=query_choice(params, "dir", ("asc", "desc"), "desc"),
        page=query_int(params, "page", 1),
        size=query_int(params, "size", 50, allowed=sizes),
        after=query_token(params, "after"),
        before=query_token(params, "before"),
    )


def _where(q: ListQuery, *, walk: frozenset = frozenset()) -> list:
    """The filter's conditions; ``walk`` (SQLite, ``_walk``): the columns tested on each entry of the walked index,
    not sought on their own indexes."""
    f = q.filters
    conds = []

    def column(c: Any) -> Any:
        return unindexed(c) if c.key in walk else c

    created = column(FinanceApplication.created_at)
    if f.get("created_from"):
        conds.append(created >= utc_day_start(f["created_from"]))
    if f.get("created_to"):
        conds.append(created < utc_day_start(f["created_to"] + timedelta(days=1)))
    if f.get("locations"):
        conds.append(column(FinanceApplication.location_id).in_(f["locations"]))
    if f.get("statuses"):
        conds.append(column(FinanceApplication.status).in_(f["statuses"]))
    if f.get("reps"):
        conds.append(in_or_null(FinanceApplication.created_by_id, f["reps"], REMOVED_REP))
    if f.get("stages"):
        conds.append(in_or_null(column(FinanceApplication.stage), f["stages"], NO_STAGE))
    return conds


SORT_KEYS = {
    "id": SortKey(FinanceApplication.id, "int", nullable=False),
    "created": SortKey(FinanceApplication.created_at, "datetime", nullable=False),
    "amount_requested": SortKey(FinanceApplication.amount_requested_cents, "int", nullable=False),
    "amount_financed": SortKey(FinanceApplication.amount_financed_cents, "int"),
    "stage": SortKey(FinanceApplication.stage, "str"),
}


# What a row of the lists shows, as plain columns: building a whole application object per row (SSN
# ciphertexts and forty other columns) cost more than the query that found it.
_ROW_COLUMNS = (FinanceApplication.id, FinanceApplication.customer_id, FinanceApplication.first_name,
                FinanceApplication.last_name, FinanceApplication.amount_requested_cents,
                FinanceApplication.amount_financed_cents, FinanceApplication.stage, FinanceApplication.status,
                FinanceApplication.created_at, FinanceProvider.name, Customer.first_name, Customer.last_name,
                Location.name)


@lru_cache(maxsize=16)
def _columns(sort: str):  # noqa: ANN202
    """The rows' columns and joins, with the sort key as the last column (see services/paging.py), built once
    per sort: statements are immutable (``.where`` returns a new one), so sharing them is safe."""
    return (
        select(*_ROW_COLUMNS, SORT_KEYS[sort].expr)
        .join(FinanceProvider, FinanceProvider.id == FinanceApplication.provider_id)
        .join(Customer, Customer.id == FinanceApplication.customer_id)
        .join(Location, Location.id == FinanceApplication.location_id)
    )


def _unordered(conds: list, q: ListQuery):  # noqa: ANN202
    """The rows for ``conds``, with the sort key as the last column."""
    return _columns(q.sort).where(and_(*conds))


def _keys(conds: list, q: ListQuery):  # noqa: ANN202
    """The same filter as ``_unordered`` on the id and the sort key alone: its page is found on indexes."""
    return select(FinanceApplication.id, SORT_KEYS[q.sort].expr).where(and_(*conds))


def _rows_query(conds: list, q: ListQuery):  # noqa: ANN202
    return ordered(_unordered(conds, q), SORT_KEYS[q.sort], FinanceApplication.id, q)


def _row(r) -> dict[str, Any]:  # noqa: ANN001
    (ident, customer_id, applicant_first, applicant_last, requested, financed, stage, status, created, lender, first,
     last, location) = tuple(r)[:13]
    return {
        "id": ident,
        "customer_id": customer_id,
        "customer": f"{first} {last}",
        "location": location,
        "lender": lender,
        "applicant": f"{applicant_first} {applicant_last}",
        "amount_requested": format_cents(requested),
        "amount_financed": format_cents(financed) if financed is not None else "",
        "stage": stage_label(stage),
        "status": status,
        "created": created.strftime("%Y-%m-%d %H:%M"),
    }


@dataclass(frozen=True)
class AppPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    summary: dict[str, str]
    first: str = ""  # cursor tokens of the page's first and last rows (Previous / Next)
    last: str = ""
    version: str = ""  # a customer's list: what changes when any of its rows does (``customer_version``)


# Count, Amount Requested and Amount Financed summed straight from the applications.
_TOTALS = (func.count(FinanceApplication.id),
           func.coalesce(func.sum(FinanceApplication.amount_requested_cents), 0),
           func.coalesce(func.sum(func.coalesce(FinanceApplication.amount_financed_cents, 0)), 0))


def _counted(session: Session, conds: list) -> tuple[int, int, int]:
    """Count and sums straight from the applications (a rep filter, which the tally lacks; the reference in
    tests), planned for its values (a generic plan cannot see how many applications a rep or a date range holds)."""
    plan_for_values(session)
    return session.exec(select(*_TOTALS).where(and_(*conds))).one()


def tally_where(actor: Actor, q: ListQuery, t: Any = ApplicationTally) -> list | None:
    """Conditions on ``application_tally`` matching ``q`` (whole months from the monthly rows, the days at the
    edges of a date range from the daily rows; same filters, same locations); None when no period fits. ``t``:
    another tally of the applications by creation with the columns ``q`` filters on (``application_rep_tally``
    has no stage)."""
    f = q.filters
    conds = [location_clause(actor, Permission.FUNDING_DETAILS_VIEW, t.location_id)]
    if f.get("locations"):
        conds.append(t.location_id.in_(f["locations"]))
    period = tally.period_clause(t, f.get("created_from"), f.get("created_to"))
    return None if period is None else [*conds, *_status_and_stage(q, t), period]


def _status_and_stage(q: ListQuery, t: Any) -> list:
    """Conditions on a tally's ``status`` and ``stage`` (no stage kept as ``''``) for ``q``'s filters."""
    f, conds = q.filters, []
    if f.get("statuses"):
        conds.append(t.status.in_(f["statuses"]))
    if f.get("stages"):
        conds.append(t.stage.in_(["" if s == NO_STAGE else s for s in f["stages"]]))
    return conds


def tallied(session: Session, actor: Actor, q: ListQuery) -> tuple[int, int, int]:
    """The company summary from the maintained aggregate (``stapp/db/tally.py``)."""
    where = tally_where(actor, q)
    if where is None:
        return 0, 0, 0
    count, requested, financed = session.exec(_TALLY_SUMS.where(and_(*where))).one()
    return int(count), int(requested), int(financed)


_TALLY_SUMS = select(func.coalesce(func.sum(ApplicationTally.n), 0),
                     func.coalesce(func.sum(ApplicationTally.requested_cents), 0),
                     func.coalesce(func.sum(ApplicationTally.financed_cents), 0))  # built once


def _page(session: Session, conds: list, q: ListQuery, totals: tuple[int, int, int] | None = None, *,
          deferred: bool = True, version: str = "", window: Callable[[int], Window] | None = None) -> AppPage:
    """The page of ``conds``: its rows found by ``window`` given the number of pages (``company_window``), or read
    plainly (a customer's few applications, read whole with ``deferred`` False; a filter by sales rep)."""
    count, requested, financed = totals if totals is not None else _counted(session, conds)
    pages = max(1, -(-count // q.size))
    window = window(pages) if window is not None else _window(session, conds, q, count, pages, deferred=deferred)
    return AppPage(
        version=version,
        rows=[_row(r) for r in window.rows],
        total=count,
        page=window.page,
        pages=pages,
        first=window.first,
        last=window.last,
        summary={"count": f"{count:,}", "requested": format_cents(int(requested)), "financed": format_cents(int(financed))},
    )


def _window(session: Session, conds: list, q: ListQuery, count: int, pages: int, *, deferred: bool = True,
            jump: Jump | None = None, walk: Walk | None = None, nulls: int | None = None,
            offices: list[tuple[int, Any]] | None = None, groups: list[tuple[Any, int]] | None = None,
            within: Callable[[Any, int], Jump | None] | None = None,
            among_nulls: Callable[[int], Jump | None] | None = None) -> Window:
    keys = _keys(conds, q) if deferred else None
    arms = (office_conditions(offices, FinanceApplication.location_id, FinanceApplication.status)
            if keys is not None and offices else None)
    return fetch(session, _columns(q.sort) if deferred else _unordered(conds, q), SORT_KEYS[q.sort],
                 FinanceApplication.id, q, pages, keys=keys, jump=jump, walk=walk, total=count, nulls=nulls,
                 pinned=pins_key(q, {"stage": "stages"}), arms=arms, groups=groups, within=within,
                 among_nulls=among_nulls)


def customer_version(session: Session, customer_id: int, q: ListQuery) -> tuple[int, int, int, str]:
    """Count and sums of a customer's (filtered) applications, and a fingerprint that changes whenever one
    of them is added, removed or changed (its count and latest ``updated_at``), in one statement: built once
    for the tab without a date filter, which every open Financing tab asks every two seconds (``poll``)."""
    dated = _where(q)
    if dated:
        statement = _CUSTOMER_VERSION.where(and_(*dated))
    else:
        statement = _CUSTOMER_VERSION
    count, requested, financed, latest = run(session, statement, {"customer_id": customer_id}).one()
    return count, requested, financed, f"{count}:{latest}"


_CUSTOMER_VERSION = select(*_TOTALS, func.max(FinanceApplication.updated_at)).where(
    FinanceApplication.customer_id == bindparam("customer_id"))


def tab_version(session: Session, actor: Actor, customer_id: object, q: ListQuery) -> str:
    """What ``customer_applications`` would report as the tab's ``version`` now (the tab's poll compares it)."""
    customer = customer_ref(session, actor, customer_id, Permission.CONSUMER_FINANCING_MANAGE)
    return customer_version(session, customer.id, q)[3]


def customer_applications(session: Session, actor: Actor, customer_id: object, q: ListQuery, *,
                          customer: Any = None) -> AppPage:
    """A customer's few applications: read in one statement, with the page's ``version`` (see ``poll``).
    ``customer``: the customer as the caller already read it with Consumer Financing: Manage checked (the tab's
    whole reload reads its header first), so it is not read again."""
    if customer is None:
        customer = customer_ref(session, actor, customer_id, Permission.CONSUMER_FINANCING_MANAGE)
    count, requested, financed, version = customer_version(session, customer.id, q)
    conds = [FinanceApplication.customer_id == customer.id, *_where(q)]
    return _page(session, conds, q, (count, requested, financed), deferred=False, version=version)


def _company_conds(actor: Actor, q: ListQuery, *, walk: frozenset = frozenset()) -> list:
    require(actor, Permission.COMPANY_ACCOUNTING_VIEW)
    location = FinanceApplication.location_id
    return [location_clause(actor, Permission.FUNDING_DETAILS_VIEW,
                            unindexed(location) if location.key in walk else location),
            *_where(q, walk=walk)]


_LAST_ID = select(func.max(FinanceApplication.id))  # about how many applications there are: one index probe
# The filters a walked index can test on its entries, as their columns (the sales rep has no tally, so a list
# filtered by it never walks).
_FILTER_COLUMNS = {"created_from": "created_at", "created_to": "created_at", "locations": "location_id",
                   "statuses": "status", "stages": "stage"}
# The filter columns each walked index holds (stapp/db/models.py): ``ix_finapp_id_created`` the creation date, the
# Amount sorts' wide indexes all of them.
_WALKED = {"id": frozenset({"created_at"}),
           **dict.fromkeys(("amount_requested", "amount_financed"), frozenset(_FILTER_COLUMNS.values()))}
_KEY_ENDS = {key: ends(SORT_KEYS[key].expr) for key in ("amount_requested", "amount_financed")}


def _walk(session: Session, actor: Actor, q: ListQuery, count: int) -> Walk | None:
    """A filtered page sorted by ID or an amount walks the sort's index in order, testing the filter on its entries
    (``paging.Walk``), when that is cheaper than sorting the keys of every matching row: a Created range sorted by ID
    walks ``ix_finapp_id_created``; any filter sorted by an amount the amount's wide index (Amount Financed's NULLs:
    ``paging.spread_bound``)."""
    f = q.filters
    if q.sort == "id":
        if not (f.get("created_from") or f.get("created_to")):
            return None
    elif q.sort not in _KEY_ENDS:
        return None
    walked = _WALKED[q.sort]
    if q.sort != "id":
        if one_office(actor, q, Permission.FUNDING_DETAILS_VIEW):
            walked -= {"location_id"}  # one office's own index gives its rows in the sort's order: it stays sought
        if not {column for name, column in _FILTER_COLUMNS.items() if f.get(name)} & walked:
            return None  # every row, or one office: an index alone gives the page in order
    # sorting a range by ID reads its keys from an index; sorting a filter by an amount reads every matching row
    found = walk_budget(session, q, count, _LAST_ID, SORT_PER_WALK if q.sort == "id" else READ_PER_WALK)
    if found is None:
        return None
    budget, top = found
    bound = (id_bound(FinanceApplication.id, top) if q.sort == "id"
             else spread_bound(session, SORT_KEYS[q.sort].expr, _KEY_ENDS[q.sort], top, SORT_KEYS[q.sort].nullable))
    return Walk(_keys(_company_conds(actor, q, walk=walked), q), budget, bound)


def company_applications(session: Session, actor: Actor, q: ListQuery) -> AppPage:
    """Rows only from locations where the user may see the money (Funding Details: View)."""
    # the tally has no sales rep: a rep filter counts its (indexed, date-bounded) rows instead
    if q.filters.get("reps"):
        return _page(session, _company_conds(actor, q), q)
    totals = tallied(session, actor, q)
    return _page(session, _company_conds(actor, q), q, totals,
                 window=lambda pages: company_window(session, actor, q, totals[0], pages))


# The sorts whose index within an office has the status next (models ``ix_finapp_location_status_*``): statuses at a
# few offices are read as one range per office and status (``paging.office_arms``' pairs), merged in order instead of
# walked or sorted. Approved at three of fifty offices, page 400 typed: by Amount Requested 42-46 -> 5 ms on SQLite,
# 22-29 -> 7-10 ms on PostgreSQL; by Amount Financed 25-43 -> 6 and 23-29 -> 9-12; by ID 12 -> 5-8 and 21-27 -> 9-12.
# Not by Created (``ix_finapp_location_status_wide`` would serve it): no better on either database (6-8 ms against 5-8
# on SQLite, 14-15 against 13-15 on PostgreSQL), the day's tally placing the page already.
_STATUS_WITHIN_OFFICE = frozenset({"id", "amount_requested", "amount_financed"})


def company_window(session: Session, actor: Actor, q: ListQuery, count: int, pages: int) -> Window:
    """The rows of a company Financing page for a filter the tally counts (``count`` rows, ``pages`` pages), found
    as ``company_applications`` finds them (the bench times this alone)."""
    # a few offices: each office's index gives its rows in the sort's order (a Created range too, sorted by Created)
    offices = office_arms(actor, q, Permission.FUNDING_DETAILS_VIEW,
                          paired="statuses" if q.sort in _STATUS_WITHIN_OFFICE else None)
    groups = None if offices else stage_groups(session, actor, q)  # Stage: one value at a time, NULLs included
    nulls = null_keys(session, actor, q, count) if groups is None else None
    return _window(session, _company_conds(actor, q), q, count, pages,
                   walk=None if offices else _walk(session, actor, q, count),
                   jump=by_tally(session, ApplicationTally, lambda: tally_where(actor, q), FinanceApplication.created_at, q)
                   or (None if offices else _bands(session, actor, q, count, nulls)),
                   nulls=nulls, offices=offices, groups=groups, within=_within(session, actor, q) if groups else None,
                   among_nulls=None if offices or nulls is None else _among_nulls(session, actor, q))


# The band tallies of the sorts a page typed deep is placed by (``stapp/db/tally.py`` ``BANDS``).
_BANDS = {"amount_requested": ApplicationRequestedBands, "amount_financed": ApplicationFinancedBands,
          "id": ApplicationIdBands}


def band_where(actor: Actor, q: ListQuery, t: Any) -> list | None:
    """Conditions on the band tally ``t`` matching ``q``: its statuses, stages and a Created range of whole months;
    None for a filter it does not hold (offices, sales reps, days at a range's edges) or a user whose permission
    covers some offices only (the tally has no location)."""
    f = q.filters
    if f.get("locations") or f.get("reps") or actor.grants.locations(Permission.FUNDING_DETAILS_VIEW) is not None:
        return None
    period = tally.months_clause(t, f.get("created_from"), f.get("created_to"))
    return None if period is None else [*_status_and_stage(q, t), period]


def _bands(session: Session, actor: Actor, q: ListQuery, count: int, nulls: int | None) -> Jump | None:
    """A page typed deep into a filter sorted by an amount, or a Created range sorted by ID, is placed by the sort's
    band tally (``paging.by_bands``); on SQLite its bands are read on the sort's index (the amounts' wide indexes carry
    every filter column, ``ix_finapp_id_created`` the creation), the filter tested on its entries. Every row (no
    filter) is read on that index without it.

    A Created range sorted by ID has its first page placed too when rows outside it lie ahead (``paging.range_ahead``,
    ``from_start``): ids follow creation, so the range's rows sit together along the id index."""
    t, f = _BANDS.get(q.sort), q.filters
    if t is None or not any(f.values()):
        return None
    if q.sort == "id" and (f.get("statuses") or f.get("stages")):
        return None  # the status's or stage's own index gives its rows by ID (ix_finapp_status_id, ix_finapp_stage_id)
    where = band_where(actor, q, t)
    if where is None:
        return None
    return by_bands(session, t, where, SORT_KEYS[q.sort], q, count, tally.number_range, _LAST_ID, nulls,
                    _wide_keys(session, actor, q),
                    from_start=range_ahead(q, "created_from", "created_to", utcnow().date()))


def _wide_keys(session: Session, actor: Actor, q: ListQuery) -> Any:
    """The keys a band is read with: on SQLite the filter tested on the entries of the sort's index (the amounts' wide
    indexes carry every filter column, ``ix_finapp_id_created`` the creation), which the band bounds; elsewhere None,
    the list's own."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    return _keys(_company_conds(actor, q, walk=frozenset(_FILTER_COLUMNS.values())), q)


_BY_ID = SORT_KEYS["id"]


def _within(session: Session, actor: Actor, q: ListQuery) -> Callable[[Any, int], Jump | None] | None:
    """``paging.fetch``'s ``within`` for a sort by Stage (``stage_groups``): a page deep in one stage is placed among
    that stage's rows, which are ordered by id, by ``application_id_bands`` (a quarter by Stage, page 400: 10-11 ms on
    SQLite). None for a filter that tally does not hold."""
    t = ApplicationIdBands
    # no stage is kept as ''; the stage's entries of every row from the list's tally
    return within_bands(session, t, band_where(actor, q, t), _BY_ID, q, lambda stage: t.stage == (stage or ""),
                        lambda stage: select(func.sum(ApplicationTally.n)).where(
                            ApplicationTally.grain == "y", ApplicationTally.stage == (stage or "")))


def _among_nulls(session: Session, actor: Actor, q: ListQuery) -> Callable[[int], Jump | None] | None:
    """``paging.fetch``'s ``among_nulls`` for a sort by Amount Financed: the applications without one are ordered by id,
    and a page deep among them is placed by ``application_unfinanced_id_bands`` (a quarter ascending, page 400: 26-47
    ms on SQLite, 29-32 ms on PostgreSQL); on SQLite read on the amount's wide index, which holds every filter column.
    None for another sort or a filter that tally does not hold."""
    if q.sort != "amount_financed":
        return None
    t = ApplicationUnfinancedIdBands
    where = band_where(actor, q, t)
    if where is None:
        return None
    keys = _wide_keys(session, actor, q)
    return lambda n: by_bands(session, t, where, _BY_ID, q, n, tally.number_range, _LAST_ID, nulls=0, keys=keys)


def null_keys(session: Session, actor: Actor, q: ListQuery, count: int) -> int | None:
    """How many of the filter's ``count`` rows have no value of the sort key (no stage, no Amount Financed), from the
    tallies; None for a key that is never NULL or a filter the tallies lack. With it a page reads the NULLs and the
    values as two ranges of known sizes and skips an empty one (``paging.fetch``): sorted by Amount Financed,
    Declined applications (none has one) took PostgreSQL 0.9-1 s for page 1, searching the amounts for them."""
    if q.sort not in ("amount_financed", "stage"):
        return None
    where = tally_where(actor, q)
    if where is None:  # a date range no period fits: no rows
        return 0
    if q.sort == "stage":  # the group of no stage
        return sum(n for stage, n in stage_groups(session, actor, q) if stage is None)
    financed = tally_where(actor, q, ApplicationFinancedTally)
    return count - int(session.exec(_FINANCED_N.where(and_(*financed))).one())


def stage_groups(session: Session, actor: Actor, q: ListQuery) -> list[tuple[Any, int]] | None:
    """The filter's applications at each stage when the list is sorted by Stage, from the tally, in the list's
    ascending order (no stage first, as None): ``paging.fetch``'s ``groups``. None for another sort."""
    if q.sort != "stage":
        return None
    where = tally_where(actor, q)
    if where is None:  # a date range no period fits: no rows
        return []
    stage = ApplicationTally.stage
    rows = session.exec(select(stage, func.sum(ApplicationTally.n)).where(and_(*where)).group_by(stage)
                        .order_by(stage)).all()
    return sorted(((s or None, int(n)) for s, n in rows if n), key=lambda group: group[0] is not None)


_FINANCED_N = select(func.coalesce(func.sum(ApplicationFinancedTally.n), 0))


def export_csv(session: Session, actor: Actor, q: ListQuery, *, batch: int = 2000) -> Iterator[str]:
    conds = _company_conds(actor, q)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield buffer.getvalue()
    result = session.exec(_rows_query(conds, q).execution_options(yield_per=batch))
    for chunk in result.partitions(batch):
        buffer.seek(0)
        buffer.truncate()
        for r in chunk:
            row = _row(r)
            writer.writerow([row["id"], _safe(row["customer"]), row["location"], _safe(row["lender"]),
                             _safe(row["applicant"]), row["amount_requested"], row["amount_financed"], row["stage"],
                             row["status"], row["created"]])
        yield buffer.getvalue()


def _safe(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def company_filter_options(session: Session, actor: Actor) -> dict[str, list[dict[str, str]]]:
    require(actor, Permission.COMPANY_ACCOUNTING_VIEW)
    locations = session.exec(
        select(Location).where(location_clause(actor, Permission.FUNDING_DETAILS_VIEW, Location.id)).order_by(Location.name)
    ).all()
    return {
        "locations": [{"value": str(loc.id), "label": loc.name} for loc in locations],
        "statuses": [{"value": s.value, "label": s.value} for s in AppStatus],
        "stages": [{"value": NO_STAGE, "label": NOT_SUBMITTED_STAGE}]
        + [{"value": k, "label": v} for k, v in STAGE_LABELS.items()],
        # every user (the table is small; a DISTINCT over the applications is not), then removed users
        "reps": [{"value": str(uid), "label": name}
                 for uid, name in session.exec(select(User.id, User.name).order_by(User.name)).all()]
        + [{"value": str(REMOVED_REP), "label": REMOVED_REP_LABEL}],
    }
