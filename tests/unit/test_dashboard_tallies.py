"""The dashboard's maintained aggregates (``application_rep_tally``, ``application_day_tally``,
``funding_age_tally``) give the figures that
counting the rows gives, after any kind of change (ORM writes, bulk statements, deletes, a user's removal),
for any period and location, day edges included; a rebuild agrees with the triggers."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import case, delete, func, update
from sqlmodel import select

from stapp.db.engine import get_engine, read_session, write_session
from stapp.db.models import FinanceApplication, Funding, Location, User
from stapp.domain.dashboard import Period
from stapp.domain.financing import AppStatus
from stapp.domain.funding import AGEING, FundingStatus
from stapp.domain.listing import ListQuery
from stapp.services import application_lists, funding_entries
from stapp.services import dashboard as svc
from tests.unit import test_funding_tally, test_tally

TODAY = date(2026, 3, 1)  # the day the ageing counts from: any day works, the tally keeps days, not ages


def _reps() -> list[int]:
    with read_session() as s:
        return list(s.exec(select(User.id)).all())


def spread_reps(rng: random.Random) -> None:
    """Applications around month edges (``test_tally``), entered by every user and by removed ones."""
    test_tally._spread_applications(rng)
    reps = _reps()
    with write_session() as s:
        for app in s.exec(select(FinanceApplication).order_by(FinanceApplication.id)).all():
            app.created_by_id = rng.choice([*reps, None])
            s.add(app)


def _link(**params: str) -> str:
    return "?" + "&".join(f"{k}={v}" for k, v in sorted(params.items()) if v)


def _rep_of(href: str) -> str:
    return parse_qs(urlsplit(href).query)["reps"][0]


def rep_figures(actor, period: Period, locations: list[int]) -> list[tuple[str, int, int]]:  # noqa: ANN001
    """(rep filter value, submitted, approved) per rep as the dashboard shows them."""
    q = ListQuery(filters={"created_from": period.start, "created_to": period.end, "locations": tuple(locations)})
    with read_session() as s:
        rows = svc._by_rep(s, actor, q, _link)
    return sorted((_rep_of(r["href"]), r["submitted"], r["approved"]) for r in rows)


def rep_counted(actor, period: Period, locations: list[int]) -> list[tuple[str, int, int]]:  # noqa: ANN001
    """The same, counted on the applications with company Financing's own conditions."""
    q = ListQuery(filters={"created_from": period.start, "created_to": period.end, "locations": tuple(locations)})
    a = FinanceApplication
    conds = [*application_lists._company_conds(actor, q), a.status != AppStatus.NOT_SUBMITTED.value]
    with read_session() as s:
        rows = s.exec(select(a.created_by_id, func.count(a.id),
                             func.sum(case((a.status == AppStatus.APPROVED.value, 1), else_=0)))
                      .where(*conds).group_by(a.created_by_id)).all()
    return sorted((str(rep or application_lists.REMOVED_REP), int(n), int(ok)) for rep, n, ok in rows)


def week_figures(actor, period: Period, locations: list[int]) -> list[tuple[str, int, int]]:  # noqa: ANN001
    """(week, requested, financed) as the dashboard's weekly chart shows them."""
    with read_session() as s:
        rows = svc._weeks(s, actor, period, locations, _link)
    return [(r["week"], r["requested_cents"], r["financed_cents"]) for r in rows]


def week_counted(actor, period: Period, locations: list[int]) -> list[tuple[str, int, int]]:  # noqa: ANN001
    """The same, from the submitted applications' own amounts, by their UTC day of creation."""
    from stapp.domain.dashboard import by_week

    q = ListQuery(filters={"created_from": period.start, "created_to": period.end, "locations": tuple(locations)})
    a = FinanceApplication
    conds = [*application_lists._company_conds(actor, q), a.status != AppStatus.NOT_SUBMITTED.value]
    days: dict[date, list[int]] = {}
    with read_session() as s:
        for created, requested, financed in s.exec(
                select(a.created_at, a.amount_requested_cents, a.amount_financed_cents).where(*conds)).all():
            day = days.setdefault(created.astimezone(UTC).date(), [0, 0])
            day[0] += requested
            day[1] += financed or 0
    return [(w.isoformat(), r, f) for w, r, f in by_week([(d, r, f) for d, (r, f) in sorted(days.items())], period)]


def assert_weeks_match(actor, rng: random.Random) -> None:  # noqa: ANN001
    for period in _periods(rng):
        if (period.end - period.start).days > 366 * 3:
            continue
        for locations in ([], [1], [2]):
            assert week_figures(actor, period, locations) == week_counted(actor, period, locations), (period, locations)


def _periods(rng: random.Random) -> list[Period]:
    out = []
    for _ in range(12):
        params = test_tally.add_created_range(rng, {})
        start = date.fromisoformat(params.get("created_from", "2024-01-01"))
        end = date.fromisoformat(params.get("created_to", "2026-12-31"))
        if start <= end:
            out.append(Period("custom", start, end))
    return [*out, Period("year", date(2025, 3, 2), TODAY), Period("custom", TODAY, TODAY)]


def assert_reps_match(actor, rng: random.Random) -> None:  # noqa: ANN001
    for period in _periods(rng):
        for locations in ([], [1], [2]):
            assert rep_figures(actor, period, locations) == rep_counted(actor, period, locations), (period, locations)


def change_reps(rng: random.Random) -> None:
    """Status, location, creation and rep changes (ORM and bulk), deletes, and a user removed with their
    applications (the key set NULL by the database: an UPDATE the triggers see)."""
    test_tally.change_everything(rng)
    with write_session() as s:
        user = User(name="Leaving Rep", email="leaving@example.com", password_hash="x", active=True)
        s.add(user)
        s.flush()
        s.exec(update(FinanceApplication).where(FinanceApplication.id % 3 == 0).values(created_by_id=user.id))
        s.exec(update(FinanceApplication).where(FinanceApplication.id % 7 == 0).values(status="Not Submitted"))
    with write_session() as s:
        s.exec(delete(User).where(User.email == "leaving@example.com"))
    with read_session() as s:
        assert s.exec(select(func.count()).select_from(FinanceApplication)
                      .where(FinanceApplication.created_by_id.is_(None))).one() > 0


def edge_since(rng: random.Random) -> datetime:
    """A status_since at, just after or just before the UTC midnight that starts an ageing bucket's edge day."""
    days = rng.choice([0, 1, 29, 30, 31, 32, 59, 60, 61, 62, 89, 90, 91, 92, 400, -1, -3])
    day = TODAY - timedelta(days=days)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
        microseconds=rng.choice([0, 1, 86_400_000_000 - 1]))


def spread_ages(rng: random.Random) -> None:
    """Fundings (``test_funding_tally``) that entered their status around every bucket edge, and in the future."""
    test_funding_tally.spread_fundings(rng)
    with write_session() as s:
        for f in s.exec(select(Funding).order_by(Funding.id)).all():
            f.status_since = edge_since(rng)
            s.add(f)


def age_figures(actor, locations: list[int]) -> dict[str, list[int]]:  # noqa: ANN001
    with read_session() as s:
        rows = svc._ageing(s, actor, locations, ",".join(map(str, locations)), TODAY)
    return {r["status"]: [r["count"], *(r[f"age_{i}"] for i in range(len(AGEING)))] for r in rows}


def age_counted(actor, locations: list[int]) -> dict[str, list[int]]:  # noqa: ANN001
    """The same, counted on the fundings with Funding Entries' own conditions (its "Days in status" filter)."""
    out = {}
    loc = ",".join(map(str, locations))
    with read_session() as s:
        for status in FundingStatus:
            def count(status: FundingStatus = status, **more: str) -> int:
                q = funding_entries.parse_query({"statuses": status.value, "locations": loc, **more})
                conds = funding_entries._where(actor, q, today=TODAY)
                return int(s.exec(select(func.count(Funding.id)).where(*conds)).one())

            out[status.value] = [count(), *(count(ages=key) for key, *_ in AGEING)]
    return out


def assert_ages_match(actor) -> None:  # noqa: ANN001
    for locations in ([], [1], [2], [1, 2]):
        figures = age_figures(actor, locations)
        assert figures == age_counted(actor, locations), locations
        assert all(row[0] == sum(row[1:]) for row in figures.values())


def change_ages(actor, rng: random.Random) -> None:  # noqa: ANN001
    """Service writes (which move status_since with the status), ORM and bulk changes of each tallied column."""
    test_funding_tally.change_everything(actor, rng)
    with write_session() as s:
        other = s.exec(select(Location.id).order_by(Location.id.desc())).first()
        s.exec(update(Funding).where(Funding.id % 3 == 0).values(location_id=other))
        s.exec(update(Funding).where(Funding.id % 4 == 0).values(status_since=edge_since(rng)))
        s.exec(update(Funding).where(Funding.id % 5 == 0).values(status="REVIEW", status_since=edge_since(rng)))
        s.exec(delete(Funding).where(Funding.id % 11 == 0))


@pytest.mark.parametrize("email", ["admin@example.com", "accounting@example.com"])
def test_approval_by_rep_equals_counting_the_applications_after_any_change(actor_for, email):
    rng = random.Random(21)
    spread_reps(rng)
    actor = actor_for(email)
    assert_reps_match(actor, rng)
    assert_weeks_match(actor, rng)
    change_reps(rng)
    assert_reps_match(actor, rng)
    assert_weeks_match(actor, rng)
    assert any(rep == "0" for rep, *_ in rep_counted(actor, Period("custom", date(2020, 1, 1), TODAY), []))


def test_approval_by_rep_covers_only_the_locations_the_user_may_see(actor_for):
    rng = random.Random(22)
    spread_reps(rng)
    with write_session() as s:
        austin = s.exec(select(Location.id).where(Location.name == "Austin")).one()
        s.exec(update(FinanceApplication).where(FinanceApplication.id % 2 == 0).values(location_id=austin))
    with read_session() as s:
        dallas = s.exec(select(Location.id).where(Location.name == "Dallas")).one()
    test_tally.limit_to_one_location("accounting@example.com", dallas, "Dallas accounting")
    everything = Period("custom", date(2020, 1, 1), TODAY)
    limited, admin = actor_for("accounting@example.com"), actor_for("admin@example.com")
    seen = sum(n for _, n, _ in rep_figures(limited, everything, []))
    assert 0 < seen < sum(n for _, n, _ in rep_figures(admin, everything, []))
    assert_reps_match(limited, rng)


@pytest.mark.parametrize("email", ["admin@example.com", "accounting@example.com"])
def test_ageing_equals_counting_the_fundings_after_any_change(actor_for, email):
    rng = random.Random(23)
    spread_ages(rng)
    actor = actor_for(email)
    assert_ages_match(actor)
    change_ages(actor_for("admin@example.com"), rng)
    assert_ages_match(actor)


def test_ageing_covers_only_the_locations_the_user_may_see(actor_for):
    spread_ages(random.Random(24))
    with write_session() as s:  # half the fundings elsewhere than the first one's location
        home = s.exec(select(Funding.location_id).order_by(Funding.id)).first()
        other = s.exec(select(Location.id).where(Location.id != home)).first()
        s.exec(update(Funding).where(Funding.id % 2 == 0).values(location_id=other))
        s.exec(update(Funding).where(Funding.id % 2 == 1).values(location_id=home))
    test_tally.limit_to_one_location("accounting@example.com", home, "Home accounting")
    limited, admin = actor_for("accounting@example.com"), actor_for("admin@example.com")
    assert 0 < sum(r[0] for r in age_figures(limited, []).values()) < sum(r[0] for r in age_figures(admin, []).values())
    assert_ages_match(limited)


def tally_rows(model) -> set[tuple]:  # noqa: ANN001
    columns = [c for c in model.__table__.c]
    with read_session() as s:
        return {tuple(r) for r in s.exec(select(*columns).where(model.n != 0)).all()}


def assert_rebuild_agrees() -> None:
    from stapp.db.models import ApplicationDayTally, ApplicationRepTally, FundingAgeTally
    from stapp.db.tally import APPLICATIONS_BY_REP, FUNDING_AGES, SUBMITTED_BY_DAY, rebuild

    for model, spec in ((ApplicationRepTally, APPLICATIONS_BY_REP), (FundingAgeTally, FUNDING_AGES),
                        (ApplicationDayTally, SUBMITTED_BY_DAY)):
        maintained = tally_rows(model)
        with get_engine().begin() as conn:
            rebuild(conn, spec)
        assert tally_rows(model) == maintained and maintained, spec.table


def test_a_rebuild_from_scratch_agrees_with_the_triggers(actor_for):
    rng = random.Random(25)
    spread_reps(rng)
    change_reps(rng)
    spread_ages(rng)
    change_ages(actor_for("admin@example.com"), rng)
    assert_rebuild_agrees()
