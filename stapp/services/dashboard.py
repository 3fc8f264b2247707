"""Figures for the dashboard, limited to what the actor may see, computed in the database.

Every figure is counted with the same conditions as the list it links to (Company Financing, Funding
Entries), so a number and the list behind it always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import and_, case, func
from sqlmodel import Session, select

from stapp.db import tally
from stapp.db.models import (
    ApplicationDayTally,
    ApplicationRepTally,
    ApplicationTally,
    CatalogEntry,
    Customer,
    FinanceApplication,
    Funding,
    FundingAgeTally,
    FundingTally,
    Location,
    User,
)
from stapp.domain.dashboard import Period, by_week, rate
from stapp.domain.financing import AppStatus
from stapp.domain.funding import AGEING, NO_FUNDER, NO_FUNDER_ID, FundingStatus
from stapp.domain.listing import ListQuery
from stapp.domain.money import format_cents
from stapp.domain.permissions import Permission
from stapp.services import application_lists, financing_setup, funding_entries
from stapp.services.auth import Actor
from stapp.services.authz import location_clause

FUNNEL = (AppStatus.APPROVED, AppStatus.PREQUALIFIED, AppStatus.IN_REVIEW, AppStatus.DECLINED)
OPEN_FUNDING = [s.value for s in FundingStatus if s != FundingStatus.COMPLETE]
OVERDUE_SHOWN = 10


def customers_by_location(session: Session, actor: Actor) -> list[tuple[str, int]]:
    """``[(location name, customers)]`` for the locations where the actor may view customers."""
    rows = session.exec(
        select(Location.name, func.count(Customer.id))
        .join(Customer, Customer.location_id == Location.id, isouter=True)
        .where(location_clause(actor, Permission.CUSTOMERS_VIEW, Location.id))
        .group_by(Location.name)
        .order_by(Location.name)
    ).all()
    return [(name, count) for name, count in rows]


def money_locations(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """The locations whose money the actor may see (Funding Details: View): the location filter's choices."""
    return [(loc.id, loc.name) for loc in session.exec(
        select(Location).where(location_clause(actor, Permission.FUNDING_DETAILS_VIEW, Location.id))
        .order_by(Location.name)).all()]


def _link(path: str, **params: str) -> str:
    return f"{path}?{urlencode({k: v for k, v in params.items() if v})}"


def financing(session: Session, actor: Actor, period: Period, locations: Sequence[int]) -> dict[str, Any] | None:
    """The funnel, approval rates by location and by sales rep, and requested vs financed per week; None when
    the actor may not see company Financing (Company Accounting and Funding: View, the add-on set up)."""
    if not actor.grants.allows(Permission.COMPANY_ACCOUNTING_VIEW):
        return None
    if not (financing_setup.financing_available(session)
            or session.exec(select(FinanceApplication.id).limit(1)).first() is not None):
        return None
    t = ApplicationTally
    q = ListQuery(filters={"created_from": period.start, "created_to": period.end, "locations": tuple(locations)})
    where = application_lists.tally_where(actor, q)
    rows = session.exec(
        select(t.location_id, t.status, t.stage, func.sum(t.n)).where(and_(*where))
        .group_by(t.location_id, t.status, t.stage)
    ).all() if where is not None else []
    loc_param = ",".join(str(i) for i in locations)
    base = {"created_from": period.start.isoformat(), "created_to": period.end.isoformat(), "locations": loc_param}
    link = lambda **more: _link("/accounting/financing", **{**base, **more})  # noqa: E731
    by_status: dict[str, int] = {}
    funded = submitted = 0
    per_location: dict[int, list[int]] = {}
    for location_id, status, stage, n in rows:
        n = int(n)
        if status == AppStatus.NOT_SUBMITTED.value:
            continue
        submitted += n
        by_status[status] = by_status.get(status, 0) + n
        funded += n if stage == "funded" else 0
        bucket = per_location.setdefault(location_id, [0, 0])
        bucket[0] += n
        bucket[1] += n if status == AppStatus.APPROVED.value else 0
    submitted_statuses = ",".join(s.value for s in AppStatus if s != AppStatus.NOT_SUBMITTED)
    funnel = [{"label": "Submitted", "count": submitted, "href": link(statuses=submitted_statuses)}]
    funnel += [{"label": s.value, "count": by_status.get(s.value, 0), "href": link(statuses=s.value)} for s in FUNNEL]
    funnel.append({"label": "Funded", "count": funded, "href": link(stages="funded")})
    names = dict(session.exec(select(Location.id, Location.name)).all())
    by_location = sorted(
        ({"location": names.get(loc, str(loc)), "submitted": sub, "approved": ok, "rate": rate(ok, sub),
          "href": link(locations=str(loc), statuses=AppStatus.APPROVED.value)}
         for loc, (sub, ok) in per_location.items()),
        key=lambda r: r["location"])
    return {"funnel": funnel, "approval_rate": rate(by_status.get(AppStatus.APPROVED.value, 0), submitted),
            "by_location": by_location, "by_rep": _by_rep(session, actor, q, link),
            "weeks": _weeks(session, actor, period, locations, link)}


def _by_rep(session: Session, actor: Actor, q: ListQuery, link) -> list[dict[str, Any]]:  # noqa: ANN001
    """Approval rate by the sales rep who entered the application, from the trigger-kept ``application_rep_tally``
    with company Financing's own conditions (locations the actor may see, the list's location filter, the
    Created range): what the rep's link lists."""
    t = ApplicationRepTally
    where = application_lists.tally_where(actor, q, t)
    if where is None:
        return []
    approved = func.sum(case((t.status == AppStatus.APPROVED.value, t.n), else_=0))
    rows = session.exec(
        select(t.rep_id, func.sum(t.n), approved)
        .where(and_(*where, t.status != AppStatus.NOT_SUBMITTED.value))
        .group_by(t.rep_id).having(func.sum(t.n) != 0)
    ).all()
    names = dict(session.exec(select(User.id, User.name).where(
        User.id.in_([r[0] for r in rows if r[0]]))).all()) if rows else {}
    out = [{"rep": names.get(rep, application_lists.REMOVED_REP_LABEL),
            "submitted": int(n), "approved": int(ok), "rate": rate(int(ok), int(n)),
            "href": link(reps=str(rep or application_lists.REMOVED_REP), statuses=AppStatus.APPROVED.value)}
           for rep, n, ok in rows]
    return sorted(out, key=lambda r: (-r["submitted"], r["rep"]))


def _weeks(session: Session, actor: Actor, period: Period, locations: Sequence[int], link) -> list[dict[str, Any]]:  # noqa: ANN001
    """Requested vs financed per week of the period: the submitted applications' daily sums from the trigger-kept
    ``application_day_tally`` (locations the actor may see, the location filter)."""
    t = ApplicationDayTally
    conds = [t.grain == "d", t.period >= period.start, t.period <= period.end,
             location_clause(actor, Permission.FUNDING_DETAILS_VIEW, t.location_id)]
    if locations:
        conds.append(t.location_id.in_(locations))
    days = session.exec(
        select(t.period, func.sum(t.requested_cents), func.sum(t.financed_cents)).where(and_(*conds))
        .group_by(t.period)
    ).all()
    submitted = ",".join(s.value for s in AppStatus if s != AppStatus.NOT_SUBMITTED)
    return [{"week": w.isoformat(), "href": link(created_from=max(w, period.start).isoformat(),
                                                   created_to=min(w + timedelta(days=6), period.end).isoformat(),
                                                   statuses=submitted),
             "requested_cents": r, "financed_cents": f, "requested": format_cents(r),
             "financed": format_cents(f), "requested_dollars": r // 100, "financed_dollars": f // 100}
            for w, r, f in by_week([(d, int(r), int(f)) for d, r, f in days], period)]


def _ageing(session: Session, actor: Actor, locations: Sequence[int], loc_param: str, today) -> list[dict[str, Any]]:  # noqa: ANN001
    """Fundings by status now, with how many days they have spent in it (since ``status_since``), from the
    trigger-kept ``funding_age_tally``: each bucket adds up the tally rows of its UTC days (``AGEING``, as
    Funding Entries' "Days in status" filter counts them), with Funding Entries' location conditions. Each
    count links to Funding Entries filtered the same way (status, days in status, location)."""
    t = FundingAgeTally
    scope = [location_clause(actor, Permission.FUNDING_DETAILS_VIEW, t.location_id)]
    if locations:
        scope.append(t.location_id.in_(locations))
    counts: dict[str, list[int]] = {}
    for i, (_key, low, high, _label) in enumerate(AGEING):
        # in the bucket: entered the status ``low``..``high`` whole UTC days before today (``low`` 0: or later)
        period = tally.period_clause(t, None if high is None else today - timedelta(days=high),
                                     today - timedelta(days=low) if low else None)
        if period is None:
            continue
        for status, n in session.exec(
                select(t.status, func.sum(t.n)).where(and_(*scope, period)).group_by(t.status)).all():
            counts.setdefault(status, [0] * len(AGEING))[i] += int(n or 0)
    out = []
    for status in FundingStatus:
        buckets = counts.get(status.value, [0] * len(AGEING))
        link = {"statuses": status.value, "locations": loc_param}
        out.append({"status": status.value, "count": sum(buckets), "href": _link("/accounting/funding-entries", **link),
                    **{f"age_{i}": c for i, c in enumerate(buckets)},
                    **{f"age_{i}_href": _link("/accounting/funding-entries", **link, ages=key)
                       for i, (key, *_) in enumerate(AGEING)}})
    return out


def funding(session: Session, actor: Actor, period: Period, locations: Sequence[int], *, today) -> dict[str, Any] | None:  # noqa: ANN001
    """Expected, net received and remaining per funder for fundings created in the period, and the fundings
    whose Date Expected has passed without being complete; None without Company Accounting and Funding: View."""
    if not actor.grants.allows(Permission.COMPANY_ACCOUNTING_VIEW):
        return None
    # Each figure is counted with Funding Entries' own conditions, built from the very parameters of the
    # link it carries: the number and the list behind it cannot disagree.
    loc_param = ",".join(str(i) for i in locations)
    in_period = {"created_from": period.start.isoformat(), "created_to": period.end.isoformat(), "locations": loc_param}
    yesterday = today - timedelta(days=1)
    overdue_params = {"expected_to": yesterday.isoformat(), "statuses": ",".join(OPEN_FUNDING), "locations": loc_param}

    # per funder from the trigger-kept tally, with the list's own tally conditions (stapp/db/tally.py)
    t = FundingTally
    tally_conds = funding_entries.tally_where(actor, funding_entries.parse_query(in_period))
    rows = session.exec(
        select(t.funder_id, func.sum(t.n), func.sum(t.expected_cents), func.sum(t.net_cents))
        .where(and_(*tally_conds)).group_by(t.funder_id).having(func.sum(t.n) != 0)
    ).all()
    names = dict(session.exec(select(CatalogEntry.id, CatalogEntry.name)).all())
    per_funder = []
    for funder_id, n, exp, got in rows:
        exp, got = int(exp), int(got)
        per_funder.append({
            "funder": names.get(funder_id, NO_FUNDER) if funder_id else NO_FUNDER, "count": int(n),
            "expected": format_cents(exp), "net": format_cents(got), "remaining": format_cents(exp - got),
            "expected_dollars": exp // 100, "net_dollars": got // 100, "remaining_dollars": (exp - got) // 100,
            "href": _link("/accounting/funding-entries", **in_period, funders=str(funder_id or NO_FUNDER_ID)),
        })
    per_funder.sort(key=lambda r: r["funder"])
    overdue_q = funding_entries.parse_query(overdue_params)
    overdue_conds = funding_entries._where(actor, overdue_q, today=today)
    # counted as Funding Entries counts that list: from the tally by Date Expected (``funding_entries.summary``)
    overdue_count = funding_entries.summary(session, actor, overdue_q, today)["count"]
    oldest = session.exec(
        select(Funding.id, Funding.customer_id, Customer.first_name, Customer.last_name, Funding.status,
               Funding.date_expected, Funding.amount_expected_cents, Funding.net_received_cents)
        .join(Customer, Customer.id == Funding.customer_id)
        .where(and_(*overdue_conds)).order_by(Funding.date_expected, Funding.id).limit(OVERDUE_SHOWN)
    ).all()
    overdue = [{"id": fid, "customer": f"{first} {last}", "href": f"/customers/{cid}/funding", "status": status,
                "date_expected": d.isoformat(), "days_late": (today - d).days,
                "remaining": format_cents((exp or 0) - got)}
               for fid, cid, first, last, status, d, exp, got in oldest]
    return {"per_funder": per_funder, "ageing": _ageing(session, actor, locations, loc_param, today),
            "overdue_count": int(overdue_count), "overdue": overdue,
            "overdue_href": _link("/accounting/funding-entries", **overdue_params)}
