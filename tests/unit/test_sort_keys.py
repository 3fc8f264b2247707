"""Funding Entries' Customer and Funder sort keys, kept on ``funding`` by triggers (stapp/db/sortkeys.py), equal the
joined names after every way they can change, and the list sorted by them is in the order of the names themselves.

``keys_follow_every_change`` runs here on SQLite and in tests/integration/test_lists_postgres.py on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, update
from sqlalchemy.orm import aliased
from sqlmodel import select

from stapp.db import sortkeys
from stapp.db.engine import read_session, write_session
from stapp.db.models import CatalogEntry, Customer, Funding
from stapp.domain.funding import CatalogKind
from stapp.services import catalogs, funding_entries
from stapp.services import funding as funding_svc


def _stale_keys() -> list[tuple]:
    """Fundings whose kept keys differ from their customer's and funder's names (none, when the triggers work)."""
    funder = aliased(CatalogEntry)
    name = func.lower(Customer.last_name + " " + Customer.first_name)
    with read_session() as s:
        rows = s.exec(select(Funding.id, Funding.customer_sort, name, Funding.funder_sort, funder.name)
                      .join(Customer, Customer.id == Funding.customer_id)
                      .join(funder, funder.id == Funding.funder_id, isouter=True)).all()
    assert rows
    return [r for r in rows if r[1] != r[2] or r[3] != r[4]]


def _by_names(sort: str, direction: str) -> list[int]:
    """The fundings in the order of the joined names themselves (the list's order before the keys were kept):
    NULLs first ascending, last descending, ties by id."""
    funder = aliased(CatalogEntry)
    key = func.lower(Customer.last_name + " " + Customer.first_name) if sort == "customer" else funder.name
    key = key.asc().nulls_first() if direction == "asc" else key.desc().nulls_last()
    with read_session() as s:
        return list(s.exec(select(Funding.id).join(Customer, Customer.id == Funding.customer_id)
                           .join(funder, funder.id == Funding.funder_id, isouter=True)
                           .order_by(key, Funding.id.asc() if direction == "asc" else Funding.id.desc())).all())


def _listed(acct, sort: str, direction: str) -> list[int]:  # noqa: ANN001
    """Every row of Funding Entries sorted so, page after page by Next."""
    ids: list[int] = []
    params = {"sort": sort, "dir": direction, "size": "100"}
    while True:
        with read_session() as s:
            page = funding_entries.list_entries(s, acct, funding_entries.parse_query(params))
        ids += [r["id"] for r in page.rows]
        if page.page >= page.pages:
            return ids
        params = {**params, "page": str(page.page + 1), "after": page.last}


def _assert_sorted_as_the_names(acct) -> None:  # noqa: ANN001
    assert _stale_keys() == []
    for sort in ("customer", "funder"):
        for direction in ("asc", "desc"):
            assert _listed(acct, sort, direction) == _by_names(sort, direction), (sort, direction)


def _entry(kind: CatalogKind, name: str) -> CatalogEntry:
    with read_session() as s:
        return s.exec(select(CatalogEntry).where(CatalogEntry.kind == kind.value, CatalogEntry.name == name)).one()


def keys_follow_every_change(actor_for: Callable) -> None:
    acct = actor_for("accounting@example.com")
    admin = actor_for("admin@example.com")
    _assert_sorted_as_the_names(acct)  # as seeded (or migrated and backfilled)

    capital = _entry(CatalogKind.FUNDER, "Monitoring Capital")
    with read_session() as s:
        customer = s.exec(select(Customer).order_by(Customer.id.desc())).first()
        other = s.exec(select(CatalogEntry.id).where(CatalogEntry.kind == CatalogKind.FUNDER.value,
                                                     CatalogEntry.id != capital.id)).first()
    form = {"funder_id": str(capital.id), "status": "PENDING", "amount_expected": "3000.00",
            "funding_type_id": str(_entry(CatalogKind.FUNDING_TYPE, "Contract Sale").id)}
    with write_session() as s:  # a new funding
        new_id = funding_svc.create_funding(s, acct, customer.id, form).id
    with read_session() as s:
        assert s.get(Funding, new_id).funder_sort == "Monitoring Capital"
    with write_session() as s:  # its funder changed through the form
        funding_svc.update_funding(s, acct, new_id, {**form, "funder_id": str(other)})
    _assert_sorted_as_the_names(acct)

    with write_session() as s:  # renamed in the catalog: it now sorts first of the funders
        catalogs.rename_entry(s, admin, capital.id, "AAA Monitoring Capital")
    with read_session() as s:
        assert s.get(Funding, new_id).funder_sort != "AAA Monitoring Capital"  # it moved to the other funder
    _assert_sorted_as_the_names(acct)

    with write_session() as s:  # a customer renamed, by a bulk statement, and another by the ORM
        s.exec(update(Customer).where(Customer.id == customer.id).values(first_name="Zed", last_name="Aaronson"))
        renamed = s.exec(select(Customer).order_by(Customer.id)).first()
        renamed.last_name = "Zzyzx"
        s.add(renamed)
    with read_session() as s:
        assert s.get(Funding, new_id).customer_sort == "aaronson zed"
    _assert_sorted_as_the_names(acct)

    with write_session() as s:  # fundings left without a funder, and moved to another customer, in bulk
        ids = list(s.exec(select(Funding.id).order_by(Funding.id)).all())
        s.exec(update(Funding).where(Funding.id.in_(ids[::3])).values(funder_id=None))
        s.exec(update(Funding).where(Funding.id.in_(ids[1::4])).values(customer_id=customer.id))
    with read_session() as s:
        assert s.get(Funding, ids[0]).funder_sort is None
    _assert_sorted_as_the_names(acct)

    with read_session() as s:  # a rebuild from scratch agrees with what the triggers kept
        kept = s.exec(select(Funding.id, Funding.customer_sort, Funding.funder_sort).order_by(Funding.id)).all()
    with write_session() as s:
        s.exec(update(Funding).values(customer_sort="", funder_sort="stale"))
        sortkeys.rebuild(s.connection())
    with read_session() as s:
        assert s.exec(select(Funding.id, Funding.customer_sort, Funding.funder_sort).order_by(Funding.id)).all() == kept


def test_the_customer_and_funder_keys_follow_every_change_and_sort_as_the_names(actor_for):
    keys_follow_every_change(actor_for)


@pytest.mark.parametrize("sort", ["customer", "funder"])
def test_a_customer_or_funder_page_reads_only_funding_for_its_keys(actor_for, sort):
    """The keys of a page are read from ``funding`` alone, in the order of its index: no join, no sort of every row
    (SQLite's plan of the page's statement uses the key's index and no temporary B-tree)."""
    from tests.unit.test_paging import _page_keys, selects

    acct = actor_for("accounting@example.com")
    with read_session() as s, selects() as sql:
        funding_entries.list_entries(s, acct, funding_entries.parse_query({"sort": sort, "size": "10"}))
    finder, _ = _page_keys(sql)
    assert " JOIN " not in finder.upper(), finder
    with read_session() as s:
        plan = " | ".join(str(row[-1]) for row in s.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + finder.replace("?", "NULL")).all())
    assert f"ix_funding_{sort}_sort" in plan and "TEMP B-TREE" not in plan, plan


ONE_LOCATION = {"locations": "1"}  # as for a user whose permission covers one office
ONE_OFFICE_OF_APPLICATIONS = {"locations": "2"}  # the demo's applications are all at its second office


@pytest.mark.parametrize("list_name,sort,extra", [
    *[("entries", sort, ONE_LOCATION) for sort in funding_entries.SORTS],
    *[("applications", sort, ONE_OFFICE_OF_APPLICATIONS) for sort in ("amount_requested", "amount_financed", "stage",
                                                                      "id", "created")],
    ("applications", "stage", {"statuses": "Approved"}),
])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_a_sort_within_one_location_reads_an_index_in_order(actor_for, list_name, sort, extra, direction):
    """Filtered to one location and sorted by any column, the page's keys are a range of one index read in order
    (stapp/db/models.py ``_sorted_within``), not every row of the location sorted nor the whole sort index walked:
    SQLite's plan of the keys seeks the location on an index and has no temporary B-tree. So has the page of
    Approved applications sorted by Stage."""
    sql, bound = page_keys_statement(actor_for("admin@example.com"), list_name,
                                     {"sort": sort, "dir": direction, "size": "10", **extra})
    with read_session() as s:
        plan = [str(row[-1]) for row in s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, bound).all()]
    keys = plan[plan.index("MATERIALIZE page_keys") + 1:plan.index("SCAN page_keys")]
    scope = "location_id" if "locations" in extra else "status"
    assert any("INDEX" in line and f"({scope}=?" in line for line in keys), plan  # a range of the filter's rows
    assert not any("TEMP B-TREE" in line for line in keys), plan  # read in order


# Statuses at some offices since a date, newest first: accounting's everyday filter (models'
# ``ix_*_location_status_wide``), with the page typed deep so that the tally bounds its month.
STATUSES_AT_OFFICES = {
    "entries": {"statuses": "COMPLETE,REVIEW", "locations": "1,2", "created_from": "2000-01-01"},
    "applications": {"statuses": "Approved,In Review", "locations": "1,2", "created_from": "2000-01-01"},
}


@pytest.mark.parametrize("list_name", sorted(STATUSES_AT_OFFICES))
def test_statuses_at_some_offices_read_their_keys_from_one_index_range(actor_for, list_name):
    """The keys of such a page are ranges of one index on the offices, the statuses and the creation date, read
    without the rows: not a month of the status with each row read for its office (SQLite), nor every entry of the
    offices (what PostgreSQL did at a million applications)."""
    sql, bound = page_keys_statement(actor_for("admin@example.com"), list_name,
                                     {**STATUSES_AT_OFFICES[list_name], "size": "10"})
    table = "funding" if list_name == "entries" else "finapp"
    with read_session() as s:
        plan = [str(row[-1]) for row in s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, bound).all()]
    keys = plan[plan.index("MATERIALIZE page_keys") + 1:plan.index("SCAN page_keys")]
    assert any(f"COVERING INDEX ix_{table}_location_status_wide (location_id=? AND status=? AND created_at>?"
               in line for line in keys), plan


def page_keys_statement(actor, list_name: str, params: dict) -> tuple[str, object]:  # noqa: ANN001
    """The statement (and its parameters) that reads a page of Funding Entries (``entries``) or company Financing
    (``applications``) for ``params``: the one joining its rows to the ``page_keys`` subquery (the first, when a sort
    whose NULLs are counted reads them and the values as two ranges)."""
    from sqlalchemy import event

    from stapp.db.engine import get_engine
    from stapp.services import application_lists

    seen: list[tuple[str, object]] = []

    def spy(conn, cursor, sql, bound, context, executemany):  # noqa: ANN001, ARG001
        if " AS page_keys " in sql:
            seen.append((sql, bound))

    event.listen(get_engine(), "before_cursor_execute", spy)
    try:
        with read_session() as s:
            if list_name == "entries":
                funding_entries.list_entries(s, actor, funding_entries.parse_query(params))
            else:
                application_lists.company_applications(s, actor, application_lists.parse_query(params, company=True))
    finally:
        event.remove(get_engine(), "before_cursor_execute", spy)
    assert seen, "no page was read"
    return seen[0]


@pytest.mark.parametrize("sort", ["amount_requested", "amount_financed"])
def test_a_stage_in_a_date_range_sorted_by_an_amount_is_sorted_from_one_index(actor_for, monkeypatch, sort):
    """Not walked, a stage in a date range sorted by an amount reads its keys from the index of the stage by creation,
    which carries the amounts, without the rows (SQLite: 30 -> 8.5 ms for page 200 of underwriting in a quarter)."""
    from stapp.services import application_lists

    monkeypatch.setattr(application_lists, "walk_budget", lambda *_a: None)
    sql, bound = page_keys_statement(actor_for("admin@example.com"), "applications", {
        "stages": "decisioned", "created_from": "2000-01-01", "sort": sort, "page": "2", "size": "10"})
    with read_session() as s:
        plan = [str(row[-1]) for row in s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, bound).all()]
    keys = plan[plan.index("MATERIALIZE page_keys") + 1:plan.index("SCAN page_keys")]
    assert any("COVERING INDEX ix_finapp_stage_created_wide (stage=? AND created_at>?" in line for line in keys), plan
