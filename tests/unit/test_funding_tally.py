"""The maintained aggregate behind the Funding Entries summary equals summing the fundings, after any kind of
change (new fundings, edits, payouts and chargebacks through the service, bulk statements, deletes) and for any
filter the tally carries, date edges included; other filters sum the rows."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, update
from sqlmodel import select

from stapp.db.engine import get_engine, read_session, write_session
from stapp.db.models import CatalogEntry, Funding, FundingExpectedTally, FundingTally, Location
from stapp.domain.funding import NO_FUNDER_ID, NO_OUTCOME, CatalogKind, FundingOutcome, FundingStatus
from stapp.services import funding as funding_svc
from stapp.services import funding_entries as entries
from tests.unit.test_paging import selects
from tests.unit.test_tally import add_created_range, edge_moment, limit_to_one_location

STATUSES = [s.value for s in FundingStatus]
OUTCOMES = [o.value for o in FundingOutcome] + [NO_OUTCOME]


def _funders() -> list[int]:
    with read_session() as s:
        return list(s.exec(select(CatalogEntry.id).where(CatalogEntry.kind == CatalogKind.FUNDER.value)).all())


def spread_fundings(rng: random.Random, n: int = 60) -> None:
    """Copies of the demo fundings created around month boundaries, in every status and outcome, with and
    without a funder and an Amount Expected."""
    funders = _funders()
    with write_session() as s:
        demo = s.exec(Funding.__table__.select()).mappings().all()
        for i in range(n):
            row = dict(demo[i % len(demo)])
            row.pop("id")
            row.update(created_at=edge_moment(rng), date_expected=rng.choice([None, edge_moment(rng).date()]),
                       status=rng.choice(STATUSES),
                       outcome=rng.choice([o for o in OUTCOMES if o != NO_OUTCOME] + [None]),
                       funder_id=rng.choice([*funders, None]), amount_expected_cents=rng.choice([None, 0, 250_000_00]),
                       net_received_cents=rng.choice([0, 1_00, 99_999_99]))
            s.add(Funding(**row))


def _filters(rng: random.Random) -> dict[str, str]:
    params: dict[str, str] = {}
    if rng.random() < 0.5:
        params["statuses"] = ",".join(rng.sample(STATUSES, rng.randint(1, 3)))
    if rng.random() < 0.4:
        params["outcomes"] = ",".join(rng.sample(OUTCOMES, rng.randint(1, 2)))
    if rng.random() < 0.4:
        params["funders"] = ",".join(str(f) for f in rng.sample([*_funders(), NO_FUNDER_ID], 2))
    if rng.random() < 0.3:
        params["locations"] = str(rng.choice([1, 2]))
    if rng.random() < 0.4:  # an Expected range instead (funding_expected_tally; both at once sum the rows)
        dated = add_created_range(rng, {})
        return {**params, **{k.replace("created", "expected"): v for k, v in dated.items()}}
    return add_created_range(rng, params)


def assert_tally_matches(actor, rng: random.Random, rounds: int = 60) -> None:  # noqa: ANN001
    for _ in range(rounds):
        params = _filters(rng)
        q = entries.parse_query(params)
        with read_session() as s:
            tallied = entries.tallied(s, actor, q)
            assert tallied is not None, params
            assert tallied == entries.counted(s, actor, q), params


def _transaction_type() -> str:
    with read_session() as s:
        return str(s.exec(select(CatalogEntry.id).where(CatalogEntry.kind == CatalogKind.TRANSACTION_TYPE.value,
                                                        CatalogEntry.name == "Funding")).one())


def change_everything(actor, rng: random.Random) -> None:  # noqa: ANN001
    """Service writes (a new funding, an edit, payouts, a chargeback, a reversal's removal, a deletion), ORM
    updates, bulk statements on each tallied column, and a move to another location."""
    kind = _transaction_type()
    with write_session() as s:
        fundings = s.exec(select(Funding).order_by(Funding.id)).all()
        ids = [f.id for f in fundings]
    with write_session() as s:  # money moves as the funding team records it
        payout = funding_svc.add_transaction(s, actor, ids[0], {"type_id": kind, "transaction_date": "2026-02-01",
                                                                  "amount": "1234.56"})
        funding_svc.add_transaction(s, actor, ids[1], {"type_id": kind, "transaction_date": "2026-02-01",
                                                       "amount": "-200.00"})
    with write_session() as s:
        funding_svc.update_transaction(s, actor, payout.id, {"type_id": kind, "transaction_date": "2026-02-02",
                                                              "amount": "99.99"})
    with write_session() as s:
        funding_svc.delete_funding(s, actor, ids[2])
    with write_session() as s:
        for f in s.exec(select(Funding).where(Funding.id.in_(ids[3::5]))).all():
            f.status, f.outcome = "COMPLETE", "PAID_IN_FULL"
            f.amount_expected_cents = (f.amount_expected_cents or 0) + 1_00
            s.add(f)
        moved = s.get(Funding, ids[4])
        moved.location_id = s.exec(select(Location.id).where(Location.id != moved.location_id)).first()
        moved.created_at = datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC)
        s.add(moved)
    with write_session() as s:  # each tallied column alone, in bulk
        s.exec(update(Funding).where(Funding.status == "PENDING").values(status="READY"))
        s.exec(update(Funding).where(Funding.status == "REVIEW").values(outcome=None))
        s.exec(update(Funding).where(Funding.status == "READY").values(funder_id=None))
        s.exec(update(Funding).where(Funding.status == "SUBMITTED")
               .values(amount_expected_cents=None, net_received_cents=Funding.net_received_cents + 7))
        s.exec(delete(Funding).where(Funding.status == "COMPLETE", Funding.outcome == "REJECTED"))
    with write_session() as s:  # Date Expected set, moved and cleared (funding_expected_tally)
        s.exec(update(Funding).where(Funding.id % 3 == 0).values(date_expected=None))
        s.exec(update(Funding).where(Funding.id % 3 == 1).values(date_expected=edge_moment(rng).date()))


@pytest.mark.parametrize("email", ["admin@example.com", "accounting@example.com"])
def test_the_funding_tally_equals_summing_for_any_filter_and_after_any_change(actor_for, email):
    rng = random.Random(7)
    spread_fundings(rng)
    actor = actor_for(email)
    assert_tally_matches(actor, rng)
    change_everything(actor_for("admin@example.com"), rng)
    assert_tally_matches(actor, rng)


def test_a_user_limited_to_one_location_gets_only_its_totals(actor_for):
    spread_fundings(random.Random(5))
    with read_session() as s:
        one = s.exec(select(Funding.location_id)).first()
    limit_to_one_location("accounting@example.com", one, "One office")
    with write_session() as s:  # some fundings elsewhere
        other = s.exec(select(Location.id).where(Location.id != one)).first()
        s.exec(update(Funding).where(Funding.id.in_(select(Funding.id).limit(5).scalar_subquery()))
               .values(location_id=other))
    limited = actor_for("accounting@example.com")
    q = entries.parse_query({})
    with read_session() as s:
        mine = entries.tallied(s, limited, q)
        everyone = entries.tallied(s, actor_for("admin@example.com"), q)
    assert 0 < mine["count"] < everyone["count"]
    assert_tally_matches(limited, random.Random(3), rounds=20)


@pytest.mark.parametrize("params,tally_table", [
    ({}, "funding_tally"),
    ({"statuses": "COMPLETE", "outcomes": "none", "funders": "0", "created_from": "2026-01-15"}, "funding_tally"),
    ({"expected_from": "2026-01-01"}, "funding_expected_tally"),
    ({"expected_to": "2026-01-31", "statuses": "REVIEW,READY", "locations": "1"}, "funding_expected_tally"),
    ({"expected_from": "2026-01-01", "created_from": "2026-01-01"}, None),
    ({"holdbacks": "due"}, None),
    ({"ages": "0-30"}, None),
    ({"ages": "0-30", "expected_from": "2026-01-01"}, None),
])
def test_the_summary_reads_the_tally_when_it_carries_every_filter(actor_for, params, tally_table):
    spread_fundings(random.Random(9), n=10)
    acct = actor_for("accounting@example.com")
    q = entries.parse_query(params)
    with read_session() as s, selects() as sql:
        totals = entries.summary(s, acct, q)
    read = {t for t in ("funding_tally", "funding_expected_tally") if any(f" {t} " in x + " " for x in sql)}
    assert read == ({tally_table} if tally_table else set()), sql
    assert any(" FROM funding " in x + " " for x in sql) == (tally_table is None), sql
    with read_session() as s:
        assert totals == entries.counted(s, acct, q)


def test_a_rebuild_from_scratch_agrees_with_the_triggers(actor_for):
    from stapp.db.tally import FUNDINGS, FUNDINGS_BY_EXPECTED, rebuild

    rng = random.Random(13)
    spread_fundings(rng)
    change_everything(actor_for("admin@example.com"), rng)
    for spec, table in ((FUNDINGS, FundingTally), (FUNDINGS_BY_EXPECTED, FundingExpectedTally)):
        maintained = tally_rows(table)
        with get_engine().begin() as conn:
            rebuild(conn, spec)
        assert tally_rows(table) == maintained and maintained, spec.table


def tally_rows(t=FundingTally) -> set[tuple]:  # noqa: ANN001
    with read_session() as s:
        return {tuple(r) for r in s.exec(select(t.grain, t.period, t.location_id, t.status, t.outcome, t.funder_id,
                                                t.n, t.expected_cents, t.net_cents).where(t.n != 0)).all()}
