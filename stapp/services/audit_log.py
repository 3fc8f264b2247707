"""Reading the audit trail: /admin/audit-log (Users and Groups: Manage) and a customer's own history."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, true
from sqlmodel import Session, select

from stapp.db.models import AuditEvent, Location, User
from stapp.domain.listing import ListQuery, query_choices, query_date, query_ids, query_int
from stapp.domain.permissions import Permission
from stapp.services.auth import Actor
from stapp.services.authz import require
from stapp.services.customers import get_customer
from stapp.services.funding_entries import utc_day_start

PAGE_SIZES = (25, 50, 100)
# Entities whose history rows need more than Customers: View (see customer_history).
_HISTORY_NEEDS = {
    "funding": Permission.FUNDING_DETAILS_VIEW,
    "funding_transaction": Permission.FUNDING_DETAILS_VIEW,
    "application": Permission.CONSUMER_FINANCING_MANAGE,
}
COLUMNS = ["When (UTC)", "User", "Action", "Entity", "Entity ID", "Location", "Outcome", "Source", "Before", "After"]


def _known(session: Session, column) -> list[str]:  # noqa: ANN001
    return [v for v in session.exec(select(column).distinct().order_by(column)).all() if v]


def parse_query(params: Mapping[str, str], *, actions: list[str], entities: list[str]) -> ListQuery:
    params = params if isinstance(params, Mapping) else {}
    return ListQuery(
        filters={"date_from": query_date(params, "date_from"), "date_to": query_date(params, "date_to"),
                 "users": query_ids(params, "users"), "locations": query_ids(params, "locations"),
                 "actions": query_choices(params, "actions", actions),
                 "entities": query_choices(params, "entities", entities)},
        sort="id", direction="desc", page=query_int(params, "page", 1),
        size=query_int(params, "size", 50, allowed=PAGE_SIZES),
    )


def _conds(q: ListQuery) -> list:
    f = q.filters
    conds = []
    if f.get("date_from"):
        conds.append(AuditEvent.at >= utc_day_start(f["date_from"]))
    if f.get("date_to"):
        conds.append(AuditEvent.at < utc_day_start(f["date_to"] + timedelta(days=1)))
    for key, column in (("users", AuditEvent.user_id), ("locations", AuditEvent.location_id),
                        ("actions", AuditEvent.action), ("entities", AuditEvent.entity)):
        if f.get(key):
            conds.append(column.in_(f[key]))
    return conds


def _row(e: AuditEvent, locations: dict[int, str]) -> dict[str, Any]:
    return {"id": e.id, "at": e.at.strftime("%Y-%m-%d %H:%M:%S"), "user": e.user_email or "—", "action": e.action,
            "entity": e.entity, "entity_id": e.entity_id, "location": locations.get(e.location_id or 0, ""),
            "outcome": e.outcome, "source": e.source, "before": e.before_json, "after": e.after_json}


class Page:
    def __init__(self, rows: list, total: int, page: int, pages: int, summary: dict[str, str]) -> None:
        self.rows, self.total, self.page, self.pages, self.summary = rows, total, page, pages, summary


def options(session: Session, actor: Actor) -> dict[str, list[dict[str, str]]]:
    require(actor, Permission.USERS_AND_GROUPS_MANAGE)
    return {
        "users": [{"value": str(u.id), "label": u.email} for u in session.exec(select(User).order_by(User.email))],
        "locations": [{"value": str(loc.id), "label": loc.name} for loc in session.exec(select(Location))],
        "actions": [{"value": a, "label": a} for a in _known(session, AuditEvent.action)],
        "entities": [{"value": e, "label": e} for e in _known(session, AuditEvent.entity)],
    }


def query_for(session: Session, params: Mapping[str, str]) -> ListQuery:
    return parse_query(params, actions=_known(session, AuditEvent.action), entities=_known(session, AuditEvent.entity))


def events(session: Session, actor: Actor, q: ListQuery) -> Page:
    require(actor, Permission.USERS_AND_GROUPS_MANAGE)
    conds = _conds(q)
    total = session.exec(select(func.count(AuditEvent.id)).where(and_(true(), *conds))).one()
    pages = max(1, -(-total // q.size))
    page = min(q.page, pages)
    locations = dict(session.exec(select(Location.id, Location.name)).all())
    rows = session.exec(select(AuditEvent).where(and_(true(), *conds)).order_by(AuditEvent.id.desc())
                        .offset((page - 1) * q.size).limit(q.size)).all()
    return Page([_row(e, locations) for e in rows], total, page, pages, {"count": f"{total:,}"})


def export_csv(session: Session, actor: Actor, q: ListQuery) -> Iterator[str]:
    require(actor, Permission.USERS_AND_GROUPS_MANAGE)
    locations = dict(session.exec(select(Location.id, Location.name)).all())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield buffer.getvalue()
    result = session.exec(select(AuditEvent).where(*_conds(q)).order_by(AuditEvent.id.desc())
                          .execution_options(yield_per=2000))
    for chunk in result.partitions(2000):
        buffer.seek(0)
        buffer.truncate()
        for e in chunk:
            r = _row(e, locations)
            writer.writerow([r["at"], r["user"], r["action"], r["entity"], r["entity_id"], r["location"], r["outcome"],
                             r["source"], "'" + r["before"] if r["before"][:1] in "=+-@" else r["before"],
                             "'" + r["after"] if r["after"][:1] in "=+-@" else r["after"]])
        yield buffer.getvalue()


def customer_history(session: Session, actor: Actor, customer_id: object, *, limit: int = 100) -> list[dict[str, Any]]:
    """The customer record's own history (anyone who may view the customer).

    Rows about fundings and applications carry their details (amounts, references, decisions), so they are shown
    only to users who may see those details at the customer's location; customer, order and settlement rows follow
    Customers: View like the Orders tab itself.
    """
    customer = get_customer(session, actor, customer_id)
    locations = dict(session.exec(select(Location.id, Location.name)).all())
    hidden = [entity for entity, perm in _HISTORY_NEEDS.items() if not actor.grants.allows(perm, customer.location_id)]
    query = select(AuditEvent).where(AuditEvent.customer_id == customer.id)
    if hidden:
        query = query.where(AuditEvent.entity.not_in(hidden))
    rows = session.exec(query.order_by(AuditEvent.id.desc()).limit(limit)).all()
    return [_row(e, locations) for e in rows]
