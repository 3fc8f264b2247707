"""Figures for the dashboard, limited to what the actor may see."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from stapp.db.models import Customer, Location
from stapp.domain.permissions import Permission
from stapp.services.auth import Actor
from stapp.services.authz import location_clause


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
