"""A customer's fundings and their transactions (Funding Details: View/Create/Modify/Delete).

Every permission is evaluated on the customer's location. Net Received is rewritten from the sum of
the transactions inside the same database transaction as each transaction change, after locking the
funding row, so concurrent edits cannot lose a cent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, func, update
from sqlmodel import Session, select

from stapp.db.engine import run
from stapp.db.models import CatalogEntry, Customer, Funding, FundingTransaction
from stapp.db.types import utcnow
from stapp.domain.errors import NotFound
from stapp.domain.funding import (
    NO_FUNDER,
    SERVICE_CANCELLED,
    CatalogKind,
    FundingStatus,
    Holdback,
    chargeback_risk,
    holdback_release_date,
    validate_funding,
    validate_transaction,
)
from stapp.domain.money import cents_to_decimal_string, format_cents
from stapp.domain.permissions import Permission
from stapp.domain.validation import parse_id
from stapp.services import audit, catalogs
from stapp.services.auth import Actor
from stapp.services.authz import require
from stapp.services.customers import customer_ident, get_customer, visible

FUNDING_NOT_FOUND = "This funding does not exist or you do not have access to it."
TRANSACTION_NOT_FOUND = "This transaction does not exist or you do not have access to it."


def _option_map(entries: list[CatalogEntry]) -> dict[str, int]:
    return {str(e.id): e.id for e in entries}


def form_options(session: Session, funding: Funding | None = None) -> dict[str, list[dict[str, str]]]:
    """The choices offered in the funding and transaction forms (active entries plus those in use)."""
    keep = (funding.funder_id, funding.funding_type_id, funding.reason_id) if funding else ()

    def opts(kind: CatalogKind) -> list[dict[str, str]]:
        return [
            {"value": str(e.id), "label": e.name if e.active else f"{e.name} (inactive)"}
            for e in catalogs.options(session, kind, keep)
        ]

    return {
        "funders": opts(CatalogKind.FUNDER),
        "funding_types": opts(CatalogKind.FUNDING_TYPE),
        "reasons": opts(CatalogKind.FUNDER_REASON),
        "transaction_types": opts(CatalogKind.TRANSACTION_TYPE),
    }


def edit_options(session: Session, actor: Actor, funding_id: object) -> dict[str, list[dict[str, str]]]:
    """The Edit Funding form's choices: active entries plus the inactive ones this funding still uses."""
    return form_options(session, _load_funding(session, actor, funding_id, Permission.FUNDING_DETAILS_MODIFY))


def _load_funding(session: Session, actor: Actor, funding_id: object, perm: Permission, *, lock: bool = False) -> Funding:
    try:
        ident = parse_id(funding_id)
    except ValueError:
        raise NotFound(FUNDING_NOT_FOUND) from None
    query = select(Funding).where(Funding.id == ident)
    if lock:
        query = query.with_for_update()
    funding = session.exec(query).first()
    if funding is None or not actor.grants.allows(Permission.FUNDING_DETAILS_VIEW, funding.location_id):
        raise NotFound(FUNDING_NOT_FOUND)
    require(actor, perm, funding.location_id)
    return funding


FIELDS = ("funder_id", "funding_type_id", "reason_id", "status", "outcome", "amount_expected_cents", "date_expected",
          "grade_info", "notes", "holdback_cents", "guarantee_months", "holdback_release_date")
TX_FIELDS = ("funding_id", "type_id", "transaction_date", "amount_cents", "reference", "note")


def _audit_tx(session: Session, actor: Actor, action: str, funding: Funding, before, tx, tx_id=None) -> None:  # noqa: ANN001
    audit.record(session, actor=actor, action=action, entity="funding_transaction",
                 entity_id=tx_id or (tx.id if tx else ""), customer_id=funding.customer_id,
                 location_id=funding.location_id, before=before,
                 after=audit.row_dict(tx, *TX_FIELDS) if tx is not None else None)


def _recompute_net(session: Session, funding_id: int) -> None:
    total = select(func.coalesce(func.sum(FundingTransaction.amount_cents), 0)).where(
        FundingTransaction.funding_id == funding_id
    )
    session.exec(
        update(Funding)
        .where(Funding.id == funding_id)
        .values(net_received_cents=total.scalar_subquery(), updated_at=utcnow())
    )


def _apply_funding(funding: Funding, clean: dict[str, Any]) -> None:
    funding.funder_id = clean["funder_id"]
    funding.funding_type_id = clean["funding_type_id"]
    funding.reason_id = clean["reason_id"]
    if funding.status != clean["status"].value:
        funding.status_since = utcnow()  # the dashboard's ageing counts the days in the current status
    funding.status = clean["status"].value
    funding.outcome = clean["outcome"].value if clean["outcome"] else None
    funding.amount_expected_cents = clean["amount_expected"]
    funding.date_expected = clean["date_expected"]
    funding.grade_info = clean["grade_info"]
    funding.notes = clean["notes"]
    funding.holdback_cents = clean["holdback_amount"]
    funding.guarantee_months = clean["guarantee_months"]
    # the guarantee period runs from the funding date: Date Expected, else the day the funding was recorded (UTC)
    funded_on = clean["date_expected"] or (funding.created_at or utcnow()).date()
    funding.holdback_release_date = holdback_release_date(clean, funded_on)
    funding.updated_at = utcnow()


def _validate(session: Session, data: object, funding: Funding | None) -> dict[str, Any]:
    keep = (funding.funder_id, funding.funding_type_id, funding.reason_id) if funding else ()
    return validate_funding(
        data if isinstance(data, dict) else {},
        funders=_option_map(catalogs.options(session, CatalogKind.FUNDER, keep)),
        funding_types=_option_map(catalogs.options(session, CatalogKind.FUNDING_TYPE, keep)),
        reasons=_option_map(catalogs.options(session, CatalogKind.FUNDER_REASON, keep)),
    )


def create_funding(session: Session, actor: Actor, customer_id: object, data: object) -> Funding:
    customer = get_customer(session, actor, customer_id, Permission.FUNDING_DETAILS_VIEW)
    require(actor, Permission.FUNDING_DETAILS_CREATE, customer.location_id)
    clean = _validate(session, data, None)
    funding = Funding(
        customer_id=customer.id, location_id=customer.location_id, status=FundingStatus.PENDING.value,
        created_by_id=actor.user_id,
    )
    _apply_funding(funding, clean)
    session.add(funding)
    session.flush()
    audit.record(session, actor=actor, action="funding.created", entity="funding", entity_id=funding.id,
                 customer_id=customer.id, location_id=customer.location_id, after=audit.row_dict(funding, *FIELDS))
    return funding


def update_funding(session: Session, actor: Actor, funding_id: object, data: object) -> Funding:
    funding = _load_funding(session, actor, funding_id, Permission.FUNDING_DETAILS_MODIFY, lock=True)
    clean = _validate(session, data, funding)
    before = audit.row_dict(funding, *FIELDS)
    _apply_funding(funding, clean)
    session.add(funding)
    session.flush()
    audit.record(session, actor=actor, action="funding.changed", entity="funding", entity_id=funding.id,
                 customer_id=funding.customer_id, location_id=funding.location_id, before=before,
                 after=audit.row_dict(funding, *FIELDS))
    return funding


def delete_funding(session: Session, actor: Actor, funding_id: object) -> int:
    """Remove the funding and every one of its transactions, in this one database transaction."""
    funding = _load_funding(session, actor, funding_id, Permission.FUNDING_DETAILS_DELETE, lock=True)
    ident = funding.id
    audit.record(session, actor=actor, action="funding.deleted", entity="funding", entity_id=ident,
                 customer_id=funding.customer_id, location_id=funding.location_id,
                 before={**audit.row_dict(funding, *FIELDS), "net_received_cents": funding.net_received_cents})
    session.exec(delete(FundingTransaction).where(FundingTransaction.funding_id == ident))
    session.exec(delete(Funding).where(Funding.id == ident))
    return ident


def _load_transaction(session: Session, actor: Actor, transaction_id: object, perm: Permission) -> FundingTransaction:
    try:
        ident = parse_id(transaction_id)
    except ValueError:
        raise NotFound(TRANSACTION_NOT_FOUND) from None
    tx = session.get(FundingTransaction, ident)
    if tx is None:
        raise NotFound(TRANSACTION_NOT_FOUND)
    try:
        _load_funding(session, actor, tx.funding_id, perm, lock=True)
    except NotFound:
        raise NotFound(TRANSACTION_NOT_FOUND) from None
    return tx


def _validate_tx(session: Session, data: object, keep_type: int | None = None) -> dict[str, Any]:
    return validate_transaction(
        data if isinstance(data, dict) else {},
        transaction_types=_option_map(catalogs.options(session, CatalogKind.TRANSACTION_TYPE, (keep_type,))),
    )


def add_transaction(session: Session, actor: Actor, funding_id: object, data: object) -> FundingTransaction:
    funding = _load_funding(session, actor, funding_id, Permission.FUNDING_DETAILS_CREATE, lock=True)
    clean = _validate_tx(session, data)
    tx = FundingTransaction(
        funding_id=funding.id,
        type_id=clean["type_id"],
        transaction_date=clean["transaction_date"],
        amount_cents=clean["amount"],
        reference=clean["reference"],
        note=clean["note"],
        created_by_id=actor.user_id,
    )
    session.add(tx)
    session.flush()
    _recompute_net(session, funding.id)
    _audit_tx(session, actor, "funding_transaction.created", funding, None, tx)
    return tx


def update_transaction(session: Session, actor: Actor, transaction_id: object, data: object) -> FundingTransaction:
    tx = _load_transaction(session, actor, transaction_id, Permission.FUNDING_DETAILS_MODIFY)
    clean = _validate_tx(session, data, tx.type_id)
    before = audit.row_dict(tx, *TX_FIELDS)
    tx.type_id = clean["type_id"]
    tx.transaction_date = clean["transaction_date"]
    tx.amount_cents = clean["amount"]
    tx.reference = clean["reference"]
    tx.note = clean["note"]
    session.add(tx)
    session.flush()
    _recompute_net(session, tx.funding_id)
    _audit_tx(session, actor, "funding_transaction.changed", session.get(Funding, tx.funding_id), before, tx)
    return tx


def delete_transaction(session: Session, actor: Actor, transaction_id: object) -> int:
    tx = _load_transaction(session, actor, transaction_id, Permission.FUNDING_DETAILS_DELETE)
    funding_id = tx.funding_id
    _audit_tx(session, actor, "funding_transaction.deleted", session.get(Funding, funding_id),
              audit.row_dict(tx, *TX_FIELDS), None, tx_id=tx.id)
    session.exec(delete(FundingTransaction).where(FundingTransaction.id == tx.id))
    _recompute_net(session, funding_id)
    return funding_id


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.exec(select(CatalogEntry.id, CatalogEntry.name).where(CatalogEntry.id.in_(ids))).all())


def customer_version(session: Session, actor: Actor, customer_id: object) -> str:
    """A cheap fingerprint of the customer's fundings: it changes with every funding or transaction change
    and with the customer's service status.

    Every transaction change rewrites its funding's ``updated_at`` (same database transaction), and a deleted
    funding lowers the count, so two equal fingerprints mean the Funding tab would show the same thing.
    """
    found = visible(actor, Permission.FUNDING_DETAILS_VIEW,
                    run(session, _VERSION, {"customer_id": customer_ident(customer_id)}).first())
    # cancelling the customer's service changes the cards' chargeback risk
    return f"{found.count}:{found.latest}:{found.service_status}:{found.cancelled_on}"


# Built once (engine.run): every open Funding tab asks it every two seconds. The customer (its location for the
# permission, its service status) with its fundings' count and latest change, in one statement.
_VERSION = select(
    Customer.__table__.c.location_id, Customer.__table__.c.service_status, Customer.__table__.c.cancelled_on,
    func.count(Funding.__table__.c.id).label("count"), func.max(Funding.__table__.c.updated_at).label("latest"),
).select_from(Customer.__table__).outerjoin(Funding.__table__, Funding.__table__.c.customer_id == Customer.__table__.c.id
).where(Customer.__table__.c.id == bindparam("customer_id")).group_by(
    Customer.__table__.c.id, Customer.__table__.c.location_id, Customer.__table__.c.service_status,
    Customer.__table__.c.cancelled_on)


def customer_fundings(session: Session, actor: Actor, customer_id: object) -> tuple[Customer, list[dict[str, Any]]]:
    """The Funding tab: one card per funding, newest first, with display strings and its transactions."""
    customer = get_customer(session, actor, customer_id, Permission.FUNDING_DETAILS_VIEW)
    fundings = session.exec(
        select(Funding).where(Funding.customer_id == customer.id).order_by(Funding.id.desc())
    ).all()
    tx = FundingTransaction  # plain rows, not ORM objects: a thousand transactions load in half the time
    txs = session.exec(
        select(tx.id, tx.funding_id, tx.type_id, tx.transaction_date, tx.amount_cents, tx.reference, tx.note)
        .where(FundingTransaction.funding_id.in_([f.id for f in fundings]))
        .order_by(FundingTransaction.transaction_date, FundingTransaction.id)
    ).all() if fundings else []
    names = _names(
        session,
        {i for f in fundings for i in (f.funder_id, f.funding_type_id, f.reason_id) if i} | {t.type_id for t in txs},
    )
    by_funding: dict[int, list[dict[str, Any]]] = {f.id: [] for f in fundings}
    for t in txs:
        by_funding[t.funding_id].append(
            {
                "id": t.id,
                "type": names.get(t.type_id, ""),
                "type_id": str(t.type_id),
                "date": t.transaction_date.isoformat(),
                "amount": format_cents(t.amount_cents),
                "amount_input": cents_to_decimal_string(t.amount_cents),
                "negative": t.amount_cents < 0,
                "reference": t.reference,
                "note": t.note,
            }
        )
    cards = []
    today = utcnow().date()
    cancelled_on = customer.cancelled_on if customer.service_status == SERVICE_CANCELLED else None
    for f in fundings:
        expected = f.amount_expected_cents or 0
        holdback = Holdback(f.holdback_cents or 0, f.holdback_release_date)
        release = f.holdback_release_date.isoformat() if f.holdback_release_date else ""
        cards.append(
            {
                "id": f.id,
                "funder": names.get(f.funder_id, NO_FUNDER) if f.funder_id else NO_FUNDER,
                "funder_id": str(f.funder_id or ""),
                "funding_type": names.get(f.funding_type_id, ""),
                "funding_type_id": str(f.funding_type_id or ""),
                "reason": names.get(f.reason_id, "") if f.reason_id else "",
                "reason_id": str(f.reason_id or ""),
                "status": f.status or "",
                "outcome": f.outcome or "",
                "amount_expected": format_cents(expected),
                "amount_expected_input": cents_to_decimal_string(f.amount_expected_cents)
                if f.amount_expected_cents is not None else "",
                "net_received": format_cents(f.net_received_cents),
                "remaining": format_cents(expected - f.net_received_cents),
                "date_expected": f.date_expected.isoformat() if f.date_expected else "",
                "grade_info": f.grade_info,
                "notes": f.notes,
                "holdback": format_cents(f.holdback_cents) if f.holdback_cents is not None else "",
                "holdback_input": cents_to_decimal_string(f.holdback_cents) if f.holdback_cents is not None else "",
                "guarantee_months": str(f.guarantee_months) if f.guarantee_months is not None else "",
                "holdback_release_date": release,
                "held_back": format_cents(holdback.held_cents(today)) if holdback.amount_cents else "",
                "holdback_note": holdback.note(today),
                "chargeback_risk": (f"Chargeback risk: the customer cancelled on {cancelled_on.isoformat()}, inside "
                                    f"the guarantee period (until {release})."
                                    if chargeback_risk(cancelled_on, f.date_expected, f.holdback_release_date) else ""),
                "transactions": by_funding[f.id],
            }
        )
    return customer, cards


def may(actor: Actor, perm: Permission, location_id: int) -> bool:
    """For showing buttons only: the handlers check again on the server."""
    return actor.grants.allows(perm, location_id)

