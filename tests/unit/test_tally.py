"""The maintained aggregate behind the company Financing summary equals counting the applications, after any
kind of change (ORM writes, bulk statements, deletes) and for any filter, date edges included."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, update
from sqlmodel import select

from stapp.db.engine import read_session, write_session
from stapp.db.models import FinanceApplication, Location
from stapp.domain.listing import split_by_month, split_periods
from stapp.services import application_lists as lists

STATUSES = ["Approved", "Declined", "Pre-Qualified", "In Review", "Not Submitted", "Outcome Unknown"]
STAGES = ["decisioned", "underwriting", "funded", lists.NO_STAGE]
EDGES = [date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 28), date(2026, 3, 1), date(2025, 12, 31),
         date(2024, 12, 31), date(2025, 1, 1), date(2024, 6, 30)]  # year edges, and ranges over a whole year


def edge_moment(rng: random.Random) -> datetime:
    """A creation time at, just after or just before a UTC month boundary (the tally's day/month edges)."""
    edge = rng.choice(EDGES)
    return datetime(edge.year, edge.month, edge.day, tzinfo=UTC) + timedelta(
        microseconds=rng.choice([0, 1, 86_400_000_000 - 1]))


def add_created_range(rng: random.Random, params: dict[str, str]) -> dict[str, str]:
    """Maybe a Created from and to around the month edges (open ends, reversed and whole-month ranges too)."""
    if rng.random() < 0.7:
        params["created_from"] = (rng.choice(EDGES) + timedelta(days=rng.choice([-1, 0, 1]))).isoformat()
    if rng.random() < 0.7:
        params["created_to"] = (rng.choice(EDGES) + timedelta(days=rng.choice([-1, 0, 1, 40]))).isoformat()
    return params


def limit_to_one_location(email: str, location_id: int, group_name: str) -> None:
    """``email`` keeps Company Accounting everywhere but Funding Details: View only at ``location_id``."""
    from stapp.db.models import Group, GroupPermission, User, UserGroup
    from stapp.domain.permissions import Permission

    with write_session() as s:
        user = s.exec(select(User).where(User.email == email)).one()
        for link in s.exec(select(UserGroup).where(UserGroup.user_id == user.id)).all():
            s.delete(link)
        group = Group(name=group_name)
        s.add(group)
        s.flush()
        s.add(GroupPermission(group_id=group.id, permission=Permission.COMPANY_ACCOUNTING_VIEW.value, location_id=None))
        s.add(GroupPermission(group_id=group.id, permission=Permission.FUNDING_DETAILS_VIEW.value,
                              location_id=location_id))
        s.add(UserGroup(user_id=user.id, group_id=group.id))


def _spread_applications(rng: random.Random) -> None:
    """Copies of the demo applications created around month boundaries, in every status and stage."""
    with write_session() as s:
        demo = s.exec(FinanceApplication.__table__.select()).mappings().all()
        for n in range(60):
            row = dict(demo[n % len(demo)])
            row.pop("id")
            row.update(reference=f"TALLY-{n}", idempotency_key=f"tally-{n}", created_at=edge_moment(rng),
                       status=rng.choice(STATUSES), stage=rng.choice([*STAGES[:-1], None]),
                       amount_financed_cents=rng.choice([None, 0, 123_456]))
            s.add(FinanceApplication(**row))


def _filters(rng: random.Random) -> dict[str, str]:
    params: dict[str, str] = {}
    if rng.random() < 0.5:
        params["statuses"] = ",".join(rng.sample(STATUSES, rng.randint(1, 3)))
    if rng.random() < 0.4:
        params["stages"] = ",".join(rng.sample(STAGES, rng.randint(1, 2)))
    if rng.random() < 0.3:
        params["locations"] = str(rng.choice([1, 2]))
    return add_created_range(rng, params)


def assert_tally_matches(actor, rng: random.Random, rounds: int = 60) -> None:  # noqa: ANN001
    """The summary, and the rows without a stage or an Amount Financed (``null_keys``), equal counting."""
    for _ in range(rounds):
        params = _filters(rng)
        q = lists.parse_query(params, company=True)
        with read_session() as s:
            conds = lists._company_conds(actor, q)
            expected = tuple(int(v) for v in lists._counted(s, conds))
            assert lists.tallied(s, actor, q) == expected, params
            for sort, column in (("amount_financed", FinanceApplication.amount_financed_cents),
                                 ("stage", FinanceApplication.stage)):
                nulls = lists._counted(s, [*conds, column.is_(None)])[0]
                sorted_q = lists.parse_query({**params, "sort": sort}, company=True)
                assert lists.null_keys(s, actor, sorted_q, expected[0]) == nulls, (params, sort)


def change_everything(rng: random.Random) -> None:
    """ORM updates, a bulk UPDATE statement, deletes, and a move to another location."""
    with write_session() as s:
        apps = s.exec(select(FinanceApplication).order_by(FinanceApplication.id)).all()
        for app in apps[::4]:
            app.status, app.stage = "Approved", "funded"
            app.amount_financed_cents = (app.amount_financed_cents or 0) + 1_00
            s.add(app)
        apps[1].location_id = s.exec(select(Location.id).where(Location.id != apps[1].location_id)).first()
        apps[2].created_at = datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC)
        s.add(apps[1])
        s.add(apps[2])
    with write_session() as s:
        s.exec(update(FinanceApplication).where(FinanceApplication.status == "Declined")
               .values(stage=None, amount_requested_cents=FinanceApplication.amount_requested_cents + 7))
        s.exec(delete(FinanceApplication).where(FinanceApplication.reference.like("TALLY-1%")))
    with write_session() as s:  # each tallied column alone
        s.exec(update(FinanceApplication).where(FinanceApplication.status == "Approved")
               .values(amount_financed_cents=FinanceApplication.amount_requested_cents))
        s.exec(update(FinanceApplication).where(FinanceApplication.status == "In Review").values(stage="decisioned"))
        s.exec(update(FinanceApplication).where(FinanceApplication.status == "Pre-Qualified").values(status="Declined"))
        s.exec(update(FinanceApplication).where(FinanceApplication.status == "Not Submitted")
               .values(amount_requested_cents=5_000_00))


@pytest.mark.parametrize("email", ["admin@example.com", "accounting@example.com"])
def test_the_tally_equals_counting_for_any_filter_and_after_any_change(actor_for, email):
    rng = random.Random(7)
    _spread_applications(rng)
    actor = actor_for(email)
    assert_tally_matches(actor, rng)
    change_everything(rng)
    assert_tally_matches(actor, rng)


def test_a_user_limited_to_one_location_gets_only_its_totals(actor_for):
    _spread_applications(random.Random(5))
    with write_session() as s:  # the demo's applications are all in Dallas: move some to Austin
        austin = s.exec(select(Location.id).where(Location.name == "Austin")).one()
        s.exec(update(FinanceApplication).where(FinanceApplication.reference.like("TALLY-2%"))
               .values(location_id=austin))
    with read_session() as s:
        dallas = s.exec(select(Location.id).where(Location.name == "Dallas")).one()  # where demo applications are
    limit_to_one_location("accounting@example.com", dallas, "Dallas accounting")
    actor = actor_for("accounting@example.com")
    q = lists.parse_query({}, company=True)
    with read_session() as s:
        dallas_only = lists.tallied(s, actor, q)
        everyone = lists.tallied(s, actor_for("admin@example.com"), q)
    assert 0 < dallas_only[0] < everyone[0]
    assert_tally_matches(actor, random.Random(3), rounds=20)


@pytest.mark.parametrize("start,end", [(None, None), (date(2026, 1, 15), date(2026, 2, 10)),
                                       (None, date(2026, 1, 10)), (date(2026, 1, 15), None),
                                       (date(2025, 12, 5), date(2026, 2, 3)), (date(2026, 1, 1), date(2026, 3, 31)),
                                       (date(2024, 2, 29), date(2024, 2, 29)), (date(2026, 2, 1), date(2026, 1, 1))])
def test_split_by_month_covers_every_day_exactly_once(start, end):
    months, days = split_by_month(start, end)
    lo, hi = (start or date(2023, 1, 1)), (end or date(2028, 12, 31))
    covered: list[date] = []
    if months is not None:
        m_lo, m_hi = months
        day = lo.replace(day=1)
        while day <= hi:
            month = day.replace(day=1)
            if (m_lo is None or month >= m_lo) and (m_hi is None or month <= m_hi):
                covered.append(day)
            day += timedelta(days=1)
    for a, b in days:
        covered += [date.fromordinal(o) for o in range(a.toordinal(), b.toordinal() + 1)]
    wanted = [date.fromordinal(o) for o in range(lo.toordinal(), hi.toordinal() + 1)] if lo <= hi else []
    assert sorted(covered) == wanted


@pytest.mark.parametrize("start,end", [(None, None), (date(2024, 1, 1), None), (None, date(2025, 12, 31)),
                                       (date(2024, 3, 15), date(2026, 2, 10)), (date(2024, 1, 1), date(2025, 12, 31)),
                                       (date(2024, 12, 1), date(2025, 1, 31)), (date(2025, 1, 1), date(2025, 1, 1)),
                                       (date(2023, 12, 31), date(2026, 1, 1)), (date(2026, 2, 1), date(2026, 1, 1)),
                                       (date(2024, 2, 15), date(2024, 12, 31)), (date(2025, 3, 1), None)])
def test_split_periods_covers_every_day_exactly_once_with_the_fewest_periods(start, end):
    parts = split_periods(start, end)
    lo, hi = (start or date(2021, 1, 1)), (end or date(2028, 12, 31))
    covered: list[date] = []
    for o in range(lo.toordinal(), hi.toordinal() + 1):
        day = date.fromordinal(o)
        starts = {"y": day.replace(month=1, day=1), "m": day.replace(day=1), "d": day}
        covered += [day for grain, a, b in parts if (a is None or starts[grain] >= a) and (b is None or starts[grain] <= b)]
    wanted = [date.fromordinal(o) for o in range(lo.toordinal(), hi.toordinal() + 1)] if lo <= hi else []
    assert covered == wanted
    for grain, a, b in parts:  # periods are whole: a year part starts on January 1st, a month part on the 1st
        for bound in (a, b):
            assert bound is None or grain == "d" or (bound.day == 1 and (grain == "m" or bound.month == 1))
    whole_years = [y for y in range(lo.year, hi.year + 1) if lo <= date(y, 1, 1) and date(y, 12, 31) <= hi]
    if whole_years and lo <= hi:  # every whole year is read as one row, not as its months
        assert ("y" in {g for g, _, _ in parts})


def test_a_rebuild_from_scratch_agrees_with_the_triggers(actor_for):
    from stapp.db.engine import get_engine
    from stapp.db.models import ApplicationTally as T
    from stapp.db.tally import APPLICATIONS, rebuild

    rng = random.Random(13)
    _spread_applications(rng)
    change_everything(rng)

    def rows():  # noqa: ANN202
        with read_session() as s:
            return {tuple(r) for r in s.exec(select(T.grain, T.period, T.location_id, T.status, T.stage, T.n,
                                                    T.requested_cents, T.financed_cents).where(T.n != 0)).all()}

    maintained = rows()
    with get_engine().begin() as conn:
        rebuild(conn, APPLICATIONS)
    assert rows() == maintained and maintained

    from stapp.db.models import ApplicationFinancedTally as F
    from stapp.db.tally import APPLICATIONS_FINANCED

    def financed():  # noqa: ANN202
        with read_session() as s:
            return {tuple(r) for r in s.exec(select(F.grain, F.period, F.location_id, F.status, F.stage, F.n)
                                             .where(F.n != 0)).all()}

    kept = financed()
    with get_engine().begin() as conn:
        rebuild(conn, APPLICATIONS_FINANCED)
    assert financed() == kept and kept
