"""The one place where permissions are checked. Every service calls ``require`` before it reads or writes."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true
from sqlalchemy.orm import InstrumentedAttribute

from stapp.domain.errors import PermissionDenied
from stapp.domain.permissions import Permission
from stapp.services.auth import Actor


def require(actor: Actor, perm: Permission, location_id: int | None = None) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` holds ``perm`` (at ``location_id`` when given)."""
    if not actor.grants.allows(perm, location_id):
        if location_id is not None and perm.location_scoped and actor.grants.allows(perm):
            raise PermissionDenied(f"You do not have {perm.value} for this customer's location.")
        raise PermissionDenied(f"You do not have permission to do this ({perm.value}).")


def location_clause(actor: Actor, perm: Permission, column: InstrumentedAttribute) -> ColumnElement[bool]:
    """A WHERE clause limiting rows to the locations where ``actor`` holds ``perm``."""
    scope = actor.grants.locations(perm)
    if scope is None:
        return true()
    if not scope:
        return false()
    return column.in_(sorted(scope))
