"""Permission names (verbatim from the product documents) and the rule that evaluates them.

A group holds permissions. Location-scoped permissions are granted for all locations or for chosen
locations and are evaluated on the record's location. Company-level permissions (administration and
company accounting) are granted company-wide: a location choice would have no meaning for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Permission(StrEnum):
    """Every permission in stapp, named as the documents name them."""

    ACCOUNT_MANAGEMENT_VIEW = "Account Management: View"
    ACCOUNT_MANAGEMENT_MODIFY = "Account Management: Modify"
    INTEGRATIONS_VIEW = "Integrations: View"
    INTEGRATIONS_CREATE = "Integrations: Create"
    INTEGRATIONS_MODIFY = "Integrations: Modify"
    CONSUMER_FINANCING_MANAGE = "Consumer Financing Applications: Manage"
    COMPANY_ACCOUNTING_VIEW = "Company Accounting and Funding: View"
    FUNDING_DETAILS_VIEW = "Funding Details: View"
    FUNDING_DETAILS_CREATE = "Funding Details: Create"
    FUNDING_DETAILS_MODIFY = "Funding Details: Modify"
    FUNDING_DETAILS_DELETE = "Funding Details: Delete"
    FUNDING_CATALOGS_MANAGE = "Funding Catalogs: Manage"
    CUSTOMERS_VIEW = "Customers: View"
    CUSTOMERS_CREATE = "Customers: Create"
    CUSTOMERS_MODIFY = "Customers: Modify"
    USERS_AND_GROUPS_MANAGE = "Users and Groups: Manage"

    @property
    def area(self) -> str:
        """``"Funding Details"`` for ``Funding Details: View``."""
        return self.value.split(": ", 1)[0]

    @property
    def action(self) -> str:
        """``"View"`` for ``Funding Details: View``."""
        return self.value.split(": ", 1)[1]

    @property
    def location_scoped(self) -> bool:
        """True when the permission is evaluated on a record's location."""
        return self in LOCATION_SCOPED


LOCATION_SCOPED: frozenset[Permission] = frozenset(
    {
        Permission.CONSUMER_FINANCING_MANAGE,
        Permission.FUNDING_DETAILS_VIEW,
        Permission.FUNDING_DETAILS_CREATE,
        Permission.FUNDING_DETAILS_MODIFY,
        Permission.FUNDING_DETAILS_DELETE,
        Permission.CUSTOMERS_VIEW,
        Permission.CUSTOMERS_CREATE,
        Permission.CUSTOMERS_MODIFY,
    }
)

DESCRIPTIONS: Mapping[Permission, str] = {
    Permission.CONSUMER_FINANCING_MANAGE: "a group allowed to manage Consumer Financing applications",
}


def parse_permission(value: object) -> Permission:
    """Turn untrusted input into a Permission or raise ``ValueError``."""
    if not isinstance(value, str):
        raise ValueError("Unknown permission.")
    try:
        return Permission(value)
    except ValueError as exc:
        raise ValueError("Unknown permission.") from exc


ALL_LOCATIONS = None  # marker for a grant that covers every location


@dataclass(frozen=True)
class Grants:
    """What one user may do: each permission maps to ``None`` (all locations) or a set of location ids."""

    by_permission: Mapping[Permission, frozenset[int] | None] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, int | None]]) -> Grants:
        """Merge ``(permission, location_id or None)`` rows from every group of a user."""
        merged: dict[Permission, set[int] | None] = {}
        for name, location_id in rows:
            try:
                perm = Permission(name)
            except ValueError:
                continue  # a permission removed from the code no longer grants anything
            if location_id is None or not perm.location_scoped:
                merged[perm] = None
            elif perm not in merged:
                merged[perm] = {location_id}
            elif merged[perm] is not None:
                merged[perm].add(location_id)  # type: ignore[union-attr]
        return cls({p: (None if locs is None else frozenset(locs)) for p, locs in merged.items()})

    def allows(self, perm: Permission, location_id: int | None = None) -> bool:
        """May the user use ``perm`` at ``location_id`` (or anywhere, when ``location_id`` is None)?"""
        if perm not in self.by_permission:
            return False
        scope = self.by_permission[perm]
        if scope is None or location_id is None:
            return True
        return location_id in scope

    def locations(self, perm: Permission) -> frozenset[int] | None:
        """Location ids where ``perm`` holds: ``None`` means every location, an empty set means none."""
        if perm not in self.by_permission:
            return frozenset()
        return self.by_permission[perm]
