"""The dashboard: its period rules, and figures that agree with the lists they link to."""

from datetime import date, timedelta
from urllib.parse import parse_qsl, urlparse

import pytest

from stapp.db.engine import read_session, write_session
from stapp.db.types import utcnow
from stapp.domain.dashboard import Period, by_week, rate, resolve_period
from stapp.services import application_lists, funding_entries
from stapp.services import dashboard as svc

TODAY = date(2026, 11, 29)  # a Sunday


@pytest.mark.parametrize(
    ("params", "start", "end", "key"),
    [
        ({}, date(2026, 11, 1), TODAY, "month"),
        ({"period": "30d"}, date(2026, 10, 31), TODAY, "30d"),
        ({"period": "quarter"}, date(2026, 10, 1), TODAY, "quarter"),
        ({"period": "year"}, date(2026, 1, 1), TODAY, "year"),
        ({"period": "custom", "from": "2026-03-01", "to": "2026-03-31"}, date(2026, 3, 1), date(2026, 3, 31), "custom"),
        ({"period": "custom", "from": "2026-03-31", "to": "2026-03-01"}, date(2026, 3, 1), date(2026, 3, 31), "custom"),
        ({"period": "custom", "from": "2026-02-30"}, date(2026, 11, 1), TODAY, "month"),  # a bad date: this month
        ({"period": {"$ne": 1}}, date(2026, 11, 1), TODAY, "month"),
        ({"period": "custom", "from": "2000-01-01", "to": "2026-01-01"}, date(2023, 1, 1), date(2026, 1, 1), "custom"),
    ],
)
def test_periods_end_today_and_anything_unknown_is_this_month(params, start, end, key):
    period = resolve_period(params, TODAY)
    assert (period.start, period.end, period.key) == (start, end, key)


def test_rates_are_whole_percentages_rounded_half_up_without_floats():
    assert rate(1, 3) == "33%" and rate(2, 3) == "67%" and rate(1, 8) == "13%" and rate(0, 5) == "0%"
    assert rate(5, 0) == "—"


def test_weeks_cover_the_period_with_zeros_and_sum_their_days():
    period = Period("custom", date(2026, 11, 4), date(2026, 11, 18))  # Wednesday to Wednesday
    weeks = by_week([(date(2026, 11, 4), 100, 50), (date(2026, 11, 8), 1, 1), (date(2026, 11, 18), 7, 0),
                     (date(2026, 11, 3), 999, 999)], period)  # the 3rd is outside the period
    assert weeks == [(date(2026, 11, 2), 101, 51), (date(2026, 11, 9), 0, 0), (date(2026, 11, 16), 7, 0)]


def _query(href):
    return dict(parse_qsl(urlparse(href).query))


def test_every_funnel_number_equals_the_count_of_the_list_it_links_to(actor_for):
    acct = actor_for("accounting@example.com")
    period = resolve_period({"period": "year"}, utcnow().date())
    with read_session() as s:
        figures = svc.financing(s, acct, period, [])
        assert figures is not None and figures["funnel"][0]["count"] > 0
        for step in figures["funnel"]:
            listed = application_lists.company_applications(
                s, acct, application_lists.parse_query(_query(step["href"]), company=True))
            assert listed.total == step["count"], step["label"]
        for row in figures["by_location"]:
            listed = application_lists.company_applications(
                s, acct, application_lists.parse_query(_query(row["href"]), company=True))
            assert listed.total == row["approved"]
        assert sum(r["submitted"] for r in figures["by_rep"]) == figures["funnel"][0]["count"]
        for row in figures["by_rep"]:
            listed = application_lists.company_applications(
                s, acct, application_lists.parse_query(_query(row["href"]), company=True))
            assert listed.total == row["approved"]
        for week in figures["weeks"]:
            listed = application_lists.company_applications(
                s, acct, application_lists.parse_query(_query(week["href"]), company=True))
            assert int(listed.summary["requested"].replace("$", "").replace(",", "").replace(".", "")) == \
                week["requested_cents"]
        assert sum(w["requested_cents"] for w in figures["weeks"]) == application_lists.tallied(
            s, acct, application_lists.parse_query(_query(figures["funnel"][0]["href"]), company=True))[1]


def test_funder_and_overdue_numbers_equal_funding_entries(actor_for):
    from sqlmodel import select

    from stapp.db.models import Funding

    acct = actor_for("accounting@example.com")
    today = utcnow().date()
    with write_session() as s:  # one open funding two weeks late
        late = s.exec(select(Funding).where(Funding.status != "COMPLETE").order_by(Funding.id)).first()
        late.date_expected = today - timedelta(days=14)
        s.add(late)
        other = s.exec(select(Funding).where(Funding.id != late.id).order_by(Funding.id)).first()
        other.funder_id = None  # "No Funder" (rare, the document says): a row of its own, with its link
        s.add(other)
    period = resolve_period({"period": "year"}, today)
    with read_session() as s:
        figures = svc.funding(s, acct, period, [], today=today)
        assert "No Funder" in [row["funder"] for row in figures["per_funder"]]
        for row in figures["per_funder"]:
            listed = funding_entries.list_entries(s, acct, funding_entries.parse_query(_query(row["href"])))
            assert listed.total == row["count"], row["funder"]
            assert (listed.summary["expected"], listed.summary["net"], listed.summary["remaining"]) == (
                row["expected"], row["net"], row["remaining"]), row["funder"]
        listed = funding_entries.list_entries(s, acct, funding_entries.parse_query(_query(figures["overdue_href"])))
    assert listed.total == figures["overdue_count"] >= 1
    assert any(r["id"] == late.id and r["days_late"] == 14 for r in figures["overdue"])


def test_figures_only_cover_what_the_user_may_see(actor_for):
    sales = actor_for("sales@example.com")  # no Company Accounting: no money figures at all
    period = resolve_period({}, utcnow().date())
    with read_session() as s:
        assert svc.financing(s, sales, period, []) is None
        assert svc.funding(s, sales, period, [], today=utcnow().date()) is None
        assert [name for name, _ in svc.customers_by_location(s, sales)] == ["Austin"]


def test_ageing_counts_the_days_each_funding_has_spent_in_its_status(actor_for):
    from sqlmodel import select

    from stapp.db.models import Funding
    from stapp.services import funding as funding_svc

    acct = actor_for("accounting@example.com")
    today = utcnow().date()
    with write_session() as s:
        rows = s.exec(select(Funding).order_by(Funding.id)).all()
        for f in rows:
            f.status_since = utcnow()
            s.add(f)
        for f, days in zip(rows, (0, 30, 31, 90, 91), strict=False):  # days in their status
            f.status_since = utcnow() - timedelta(days=days)
        moved = rows[0].id
    with read_session() as s:
        ageing = svc.funding(s, acct, resolve_period({}, today), [], today=today)["ageing"]
        for row in ageing:
            listed = funding_entries.list_entries(s, acct, funding_entries.parse_query(_query(row["href"])))
            assert row["count"] == listed.total == sum(row[f"age_{i}"] for i in range(4))
            for i in range(4):  # every bucket opens exactly its fundings
                listed = funding_entries.list_entries(
                    s, acct, funding_entries.parse_query(_query(row[f"age_{i}_href"])))
                assert listed.total == row[f"age_{i}"], (row["status"], i)
    totals = [sum(r[f"age_{i}"] for r in ageing) for i in range(4)]
    assert totals == [len(rows) - 3, 1, 1, 1]  # 0 and 30 days; 31; 90; 91
    with write_session() as s:  # a status change restarts the clock; an edit that keeps the status does not
        f = s.get(Funding, moved)
        form = {"funder_id": str(f.funder_id), "funding_type_id": str(f.funding_type_id), "status": "READY"}
        funding_svc.update_funding(s, acct, moved, form)
    with read_session() as s:
        assert (utcnow() - s.get(Funding, moved).status_since).total_seconds() < 60


def test_applications_of_a_removed_user_have_their_own_rep_row_and_filter(actor_for):
    """A deleted user's applications keep no rep (the key is set NULL): they still add up and link to a list."""
    from sqlalchemy import update
    from sqlmodel import select

    from stapp.db.models import FinanceApplication

    acct = actor_for("accounting@example.com")
    with write_session() as s:
        ids = s.exec(select(FinanceApplication.id).where(FinanceApplication.status == "Approved")
                     .order_by(FinanceApplication.id).limit(2)).all()
        assert len(ids) == 2
        s.exec(update(FinanceApplication).where(FinanceApplication.id.in_(ids)).values(created_by_id=None))
    period = resolve_period({"period": "year"}, utcnow().date())
    with read_session() as s:
        figures = svc.financing(s, acct, period, [])
        removed = [r for r in figures["by_rep"] if r["rep"] == application_lists.REMOVED_REP_LABEL]
        assert len(removed) == 1 and removed[0]["approved"] >= 2
        assert sum(r["submitted"] for r in figures["by_rep"]) == figures["funnel"][0]["count"]
        for row in figures["by_rep"]:
            listed = application_lists.company_applications(
                s, acct, application_lists.parse_query(_query(row["href"]), company=True))
            assert listed.total == row["approved"], row["rep"]
        options = application_lists.company_filter_options(s, acct)["reps"]
        assert options[-1] == {"value": "0", "label": application_lists.REMOVED_REP_LABEL}
