"""Company-wide Funding Entries: filters, sort, pages, summary and CSV, computed in the database."""

import csv
import io

import pytest
from sqlalchemy import func
from sqlmodel import select

from stapp.db.engine import read_session
from stapp.db.models import CatalogEntry, Funding, Location
from stapp.domain.errors import PermissionDenied
from stapp.domain.money import parse_cents
from stapp.services import funding_entries as svc


def _q(**params):
    return svc.parse_query({k: str(v) for k, v in params.items()})


def _list(actor, **params):
    with read_session() as s:
        return svc.list_entries(s, actor, _q(**params))


def test_only_company_accounting_view_may_open_the_list(actor_for):
    with read_session() as s, pytest.raises(PermissionDenied):
        svc.list_entries(s, actor_for("sales@example.com"), _q())


def test_the_summary_covers_the_whole_filtered_set_not_just_the_page(actor_for):
    acct = actor_for("accounting@example.com")
    page = _list(acct, size=10)
    with read_session() as s:
        fundings = s.exec(select(Funding)).all()
    assert page.total == len(fundings) and len(page.rows) == 10 and page.pages == 2
    expected = sum(f.amount_expected_cents or 0 for f in fundings)
    net = sum(f.net_received_cents for f in fundings)
    assert parse_cents(page.summary["expected"]) == expected
    assert parse_cents(page.summary["net"]) == net
    assert parse_cents(page.summary["remaining"]) == expected - net


def test_filters_combine_statuses_outcomes_locations_and_funders(actor_for):
    acct = actor_for("accounting@example.com")
    with read_session() as s:
        dallas = s.exec(select(Location).where(Location.name == "Dallas")).one()
        capital = s.exec(select(CatalogEntry).where(CatalogEntry.name == "Monitoring Capital")).one()
    complete = _list(acct, statuses="COMPLETE")
    assert complete.rows and {r["status"] for r in complete.rows} == {"COMPLETE"}
    none_yet = _list(acct, outcomes="none")
    assert none_yet.rows and {r["outcome"] for r in none_yet.rows} == {""}
    mixed = _list(acct, outcomes="none,REJECTED")
    assert {r["outcome"] for r in mixed.rows} == {"", "REJECTED"}
    dallas_rows = _list(acct, locations=dallas.id, funders=capital.id)
    assert dallas_rows.rows and all(r["location"] == "Dallas" and r["funder"] == "Monitoring Capital"
                                    for r in dallas_rows.rows)


def test_date_ranges_are_inclusive_utc_days(actor_for):
    acct = actor_for("accounting@example.com")
    with read_session() as s:
        f = s.exec(select(Funding).order_by(Funding.id)).first()
    day = f.created_at.date().isoformat()
    rows = _list(acct, created_from=day, created_to=day).rows
    assert f.id in [r["id"] for r in rows]
    exp = f.date_expected.isoformat()
    assert all(r["date_expected"] == exp for r in _list(acct, expected_from=exp, expected_to=exp).rows)


@pytest.mark.parametrize("sort", list(svc.SORTS))
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_every_sort_orders_the_rows_and_paging_never_repeats_a_row(actor_for, sort, direction):
    acct = actor_for("accounting@example.com")
    first = _list(acct, sort=sort, dir=direction, size=10, page=1)
    second = _list(acct, sort=sort, dir=direction, size=10, page=2)
    ids = [r["id"] for r in first.rows + second.rows]
    assert len(ids) == len(set(ids)) == first.total


def test_default_order_is_newest_first_and_garbage_in_the_url_is_ignored(actor_for):
    acct = actor_for("accounting@example.com")
    page = _list(acct, sort="DROP TABLE", dir="sideways", size=7, page="-3", statuses="NOPE", funders="x,1e9")
    created = [r["created"] for r in page.rows]
    assert page.rows and created == sorted(created, reverse=True) and len(created) == 14  # size 7 is not offered


def test_rows_come_only_from_locations_with_funding_details_view(actor_for):
    from stapp.db.engine import write_session
    from stapp.db.models import Group, GroupPermission, User, UserGroup
    from stapp.domain.permissions import Permission

    with write_session() as s:
        austin = s.exec(select(Location).where(Location.name == "Austin")).one()
        sales = s.exec(select(User).where(User.email == "sales@example.com")).one()
        group = Group(name="Austin accounting")
        s.add(group)
        s.flush()
        s.add(GroupPermission(group_id=group.id, permission=Permission.COMPANY_ACCOUNTING_VIEW.value))
        s.add(UserGroup(user_id=sales.id, group_id=group.id))
    page = _list(actor_for("sales@example.com"), size=100)
    with read_session() as s:
        austin_count = s.exec(select(func.count()).select_from(Funding).where(Funding.location_id == austin.id)).one()
    assert page.total == austin_count and {r["location"] for r in page.rows} == {"Austin"}


def test_csv_export_is_exactly_the_filtered_set_with_the_list_columns(actor_for):
    acct = actor_for("accounting@example.com")
    with read_session() as s:
        text = "".join(svc.export_csv(s, acct, _q(statuses="COMPLETE", size=10)))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == svc.COLUMNS
    listed = _list(acct, statuses="COMPLETE", size=100)
    assert [int(r[0]) for r in rows[1:]] == [r["id"] for r in listed.rows]
    assert all(r[5] == "COMPLETE" for r in rows[1:])


def test_csv_neutralises_spreadsheet_formulas():
    assert svc._csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert svc._csv_safe("Alarm Funding Co") == "Alarm Funding Co"


def test_holdback_filters_due_in_the_next_30_days_and_released(actor_for):
    from datetime import timedelta

    from stapp.db.engine import write_session
    from stapp.db.types import utcnow

    today = utcnow().date()
    with write_session() as s:
        fundings = s.exec(select(Funding).order_by(Funding.id).limit(5)).all()
        plan = [(40000, today + timedelta(days=10)), (40000, today + timedelta(days=30)),
                (40000, today + timedelta(days=31)), (40000, today - timedelta(days=1)), (0, today)]
        for f, (cents, release) in zip(fundings, plan, strict=True):
            f.holdback_cents, f.holdback_release_date = cents, release
            s.add(f)
        ids = [f.id for f in fundings]
    acct = actor_for("accounting@example.com")
    due = {r["id"] for r in _list(acct, holdbacks="due", size=100).rows}
    released = {r["id"] for r in _list(acct, holdbacks="released", size=100).rows}
    both = {r["id"] for r in _list(acct, holdbacks="due,released", size=100).rows}
    assert due == {ids[0], ids[1]}
    assert released == {ids[3]}  # a zero holdback is never "released"
    assert both == due | released
    row = next(r for r in _list(acct, holdbacks="due", size=100).rows if r["id"] == ids[0])
    assert (row["held_back"], row["holdback_release_date"]) == ("$400.00", (today + timedelta(days=10)).isoformat())
    gone = next(r for r in _list(acct, holdbacks="released", size=100).rows if r["id"] == ids[3])
    assert gone["held_back"] == "$0.00"


def test_held_back_follows_the_utc_day_though_the_list_statement_is_built_once_a_day(actor_for, monkeypatch):
    """The list's columns are built once per sort and UTC day (``_shape``); the day a holdback is released on,
    the next page shows it no longer held back, without a restart."""
    from datetime import UTC, datetime, time, timedelta

    from stapp.db.engine import write_session
    from stapp.db.types import utcnow

    today = utcnow().date()
    with write_session() as s:
        funding = s.exec(select(Funding).order_by(Funding.id)).first()
        funding.holdback_cents, funding.holdback_release_date = 25000, today + timedelta(days=1)
        s.add(funding)
        fid = funding.id
    acct = actor_for("accounting@example.com")
    svc._shape.cache_clear()

    def held(**params) -> str:
        return next(r for r in _list(acct, size=100, **params).rows if r["id"] == fid)["held_back"]

    assert held(sort="id", dir="asc") == "$250.00"
    assert held(sort="id", dir="asc") == "$250.00"
    assert svc._shape.cache_info().hits >= 1  # the second page reused the first page's statement
    tomorrow = datetime.combine(today + timedelta(days=1), time(0, 0, 1), tzinfo=UTC)
    monkeypatch.setattr(svc, "utcnow", lambda: tomorrow)
    assert held(sort="id", dir="asc") == "$0.00"


def test_a_page_reads_the_utc_clock_once(actor_for, monkeypatch):
    """The Held Back column, the holdback and days-in-status filters and the summary all count from one
    reading of today's date, so a page read across midnight UTC cannot mix two days."""
    from stapp.db.types import utcnow

    reads = []

    def clock():  # noqa: ANN202
        reads.append(1)
        return utcnow()

    monkeypatch.setattr(svc, "utcnow", clock)
    page = _list(actor_for("accounting@example.com"), holdbacks="due,released", ages="0-30", size=10)
    assert page.summary and len(reads) == 1, len(reads)
