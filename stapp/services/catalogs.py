"""The four funding catalogs (Funding Catalogs: Manage)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, select

from stapp.db.models import CatalogEntry, Funding, FundingTransaction
from stapp.domain.errors import NotFound, ValidationFailed
from stapp.domain.funding import CatalogKind, validate_catalog_name
from stapp.domain.permissions import Permission
from stapp.domain.validation import parse_id
from stapp.services import audit
from stapp.services.auth import Actor
from stapp.services.authz import require


def parse_kind(value: object) -> CatalogKind:
    try:
        return CatalogKind(value)
    except ValueError:
        raise NotFound("This catalog does not exist.") from None


def _usage(session: Session, entry: CatalogEntry) -> int:
    if entry.kind == CatalogKind.TRANSACTION_TYPE:
        return session.exec(
            select(func.count()).select_from(FundingTransaction).where(FundingTransaction.type_id == entry.id)
        ).one()
    return session.exec(
        select(func.count())
        .select_from(Funding)
        .where(or_(Funding.funder_id == entry.id, Funding.funding_type_id == entry.id, Funding.reason_id == entry.id))
    ).one()


def list_catalog(session: Session, actor: Actor, kind: object) -> list[dict[str, Any]]:
    """Every entry of one catalog with how often it is used."""
    require(actor, Permission.FUNDING_CATALOGS_MANAGE)
    k = parse_kind(kind)
    entries = session.exec(select(CatalogEntry).where(CatalogEntry.kind == k.value).order_by(CatalogEntry.name)).all()
    return [{"id": e.id, "name": e.name, "active": e.active, "used": _usage(session, e)} for e in entries]


def _get(session: Session, entry_id: object) -> CatalogEntry:
    try:
        entry = session.get(CatalogEntry, parse_id(entry_id))
    except ValueError:
        entry = None
    if entry is None:
        raise NotFound("This catalog entry does not exist.")
    return entry


def _check_unique(session: Session, kind: str, name: str, exclude_id: int | None = None) -> None:
    clash = session.exec(
        select(CatalogEntry).where(CatalogEntry.kind == kind, func.lower(CatalogEntry.name) == name.lower())
    ).first()
    if clash is not None and clash.id != exclude_id:
        raise ValidationFailed({"name": f"{name} already exists in {CatalogKind(kind).title}."})


def add_entry(session: Session, actor: Actor, kind: object, name: object) -> CatalogEntry:
    require(actor, Permission.FUNDING_CATALOGS_MANAGE)
    k = parse_kind(kind)
    clean = validate_catalog_name(name)
    _check_unique(session, k.value, clean)
    entry = CatalogEntry(kind=k.value, name=clean, active=True)
    session.add(entry)
    session.flush()
    audit.record(session, actor=actor, action="catalog.added", entity=k.value, entity_id=entry.id, after={"name": clean})
    return entry


def rename_entry(session: Session, actor: Actor, entry_id: object, name: object) -> CatalogEntry:
    require(actor, Permission.FUNDING_CATALOGS_MANAGE)
    entry = _get(session, entry_id)
    clean = validate_catalog_name(name)
    _check_unique(session, entry.kind, clean, exclude_id=entry.id)
    audit.record(session, actor=actor, action="catalog.renamed", entity=entry.kind, entity_id=entry.id,
                 before={"name": entry.name}, after={"name": clean})
    entry.name = clean
    session.add(entry)
    return entry


def set_active(session: Session, actor: Actor, entry_id: object, active: object) -> CatalogEntry:
    """Inactive entries stay on existing records but are not offered for new ones."""
    require(actor, Permission.FUNDING_CATALOGS_MANAGE)
    if not isinstance(active, bool):
        raise ValidationFailed({"active": "Invalid value."})
    entry = _get(session, entry_id)
    audit.record(session, actor=actor, action="catalog.activated" if active else "catalog.deactivated",
                 entity=entry.kind, entity_id=entry.id, before={"active": entry.active}, after={"active": active})
    entry.active = active
    session.add(entry)
    return entry


def delete_entry(session: Session, actor: Actor, entry_id: object) -> str:
    """Delete an unused entry; an entry in use is refused with the reason."""
    require(actor, Permission.FUNDING_CATALOGS_MANAGE)
    entry = _get(session, entry_id)
    used = _usage(session, entry)
    if used:
        what = "transaction" if entry.kind == CatalogKind.TRANSACTION_TYPE else "funding"
        raise ValidationFailed(
            {"entry": f"{entry.name} is used by {used} {what}{'s' if used != 1 else ''} and cannot be deleted. "
             "Deactivate it instead."},
            message=f"{entry.name} is used by {used} {what}{'s' if used != 1 else ''} and cannot be deleted. "
            "Deactivate it instead.",
        )
    name = entry.name
    audit.record(session, actor=actor, action="catalog.deleted", entity=entry.kind, entity_id=entry.id,
                 before={"name": name})
    session.delete(entry)
    return name


def options(session: Session, kind: CatalogKind, keep_ids: tuple[int | None, ...] = ()) -> list[CatalogEntry]:
    """Entries that may be chosen: the active ones, plus any inactive one a record already uses."""
    keep = [i for i in keep_ids if i]
    condition = CatalogEntry.active.is_(True)
    if keep:
        condition = or_(condition, CatalogEntry.id.in_(keep))
    return list(
        session.exec(
            select(CatalogEntry).where(CatalogEntry.kind == kind.value, condition).order_by(CatalogEntry.name)
        ).all()
    )
