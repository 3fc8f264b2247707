"""Company Accounting reports for financed orders: Settlement and Report Sales Tax.

Rows come only from locations where the user holds Funding Details: View, like every company list.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, select

from stapp.db.models import Customer, FinanceProvider, Location, SalesOrder, SalesOrderLine, Settlement
from stapp.domain.listing import ListQuery, query_choices, query_date, query_ids, query_int
from stapp.domain.money import format_cents, percent_of
from stapp.domain.orders import FINANCE_TYPE_LABELS
from stapp.domain.permissions import Permission
from stapp.services.auth import Actor
from stapp.services.authz import location_clause, require
from stapp.services.funding_entries import utc_day_start

PAGE_SIZES = (25, 50, 100)
SETTLEMENT_RESULTS = ("pending", "sent")
SETTLEMENT_COLUMNS = ["Batch", "Date", "Order", "Customer", "Location", "Finance Type", "Authorization Number",
                      "Amount", "Result", "Provider Response"]
TAX_COLUMNS = ["Order", "Date", "Customer", "Location", "Taxable Amount", "Tax", "NT Rsn"]


def _dates(f: dict, column) -> list:  # noqa: ANN001
    conds = []
    if f.get("date_from"):
        conds.append(column >= utc_day_start(f["date_from"]))
    if f.get("date_to"):
        conds.append(column < utc_day_start(f["date_to"] + timedelta(days=1)))
    return conds


def _safe(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# --- Settlement ---------------------------------------------------------------------------------


def parse_settlement_query(params: Mapping[str, str]) -> ListQuery:
    params = params if isinstance(params, Mapping) else {}
    return ListQuery(
        filters={"date_from": query_date(params, "date_from"), "date_to": query_date(params, "date_to"),
                 "providers": query_ids(params, "providers"), "locations": query_ids(params, "locations"),
                 "results": query_choices(params, "results", SETTLEMENT_RESULTS)},
        sort="id", direction="desc", page=query_int(params, "page", 1),
        size=query_int(params, "size", 50, allowed=PAGE_SIZES),
    )


def _settlement_conds(actor: Actor, q: ListQuery) -> list:
    require(actor, Permission.COMPANY_ACCOUNTING_VIEW)
    f = q.filters
    conds = [location_clause(actor, Permission.FUNDING_DETAILS_VIEW, Settlement.location_id),
             *_dates(f, Settlement.created_at)]
    if f.get("providers"):
        conds.append(Settlement.provider_id.in_(f["providers"]))
    if f.get("locations"):
        conds.append(Settlement.location_id.in_(f["locations"]))
    if f.get("results"):
        conds.append(Settlement.status.in_(f["results"]))
    return conds


def _settlement_rows(conds: list):
    return (
        select(Settlement, SalesOrder.authorization_number, Customer.first_name, Customer.last_name, Location.name)
        .join(SalesOrder, SalesOrder.id == Settlement.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .join(Location, Location.id == Settlement.location_id)
        .where(and_(*conds))
        .order_by(Settlement.id.desc())
    )


def _settlement_row(r) -> dict[str, Any]:  # noqa: ANN001
    st, auth_number, first, last, location = r
    return {"id": st.id, "batch": st.batch or "—", "date": st.created_at.strftime("%Y-%m-%d %H:%M"),
            "order_id": st.order_id, "customer": f"{first} {last}", "location": location,
            "finance_type": FINANCE_TYPE_LABELS.get(st.finance_type, st.finance_type),
            "authorization_number": auth_number, "amount": format_cents(st.amount_cents), "result": st.status,
            "response": st.response, "kind": st.kind}


class _Page:
    def __init__(self, rows: list, total: int, page: int, pages: int, summary: dict[str, str]) -> None:
        self.rows, self.total, self.page, self.pages, self.summary = rows, total, page, pages, summary


def settlements(session: Session, actor: Actor, q: ListQuery) -> _Page:
    conds = _settlement_conds(actor, q)
    count, amount = session.exec(select(func.count(Settlement.id), func.coalesce(func.sum(Settlement.amount_cents), 0))
                                 .where(and_(*conds))).one()
    pending = session.exec(select(func.coalesce(func.sum(Settlement.amount_cents), 0))
                           .where(and_(*conds, Settlement.status == "pending"))).one()
    pages = max(1, -(-count // q.size))
    page = min(q.page, pages)
    rows = session.exec(_settlement_rows(conds).offset((page - 1) * q.size).limit(q.size)).all()
    return _Page([_settlement_row(r) for r in rows], count, page, pages,
                 {"count": f"{count:,}", "amount": format_cents(int(amount)), "pending": format_cents(int(pending))})


def settlement_csv(session: Session, actor: Actor, q: ListQuery) -> Iterator[str]:
    conds = _settlement_conds(actor, q)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(SETTLEMENT_COLUMNS)
    for r in session.exec(_settlement_rows(conds)):
        row = _settlement_row(r)
        writer.writerow([row["batch"], row["date"], row["order_id"], _safe(row["customer"]), row["location"],
                         row["finance_type"], row["authorization_number"], row["amount"], row["result"],
                         _safe(row["response"])])
    yield buffer.getvalue()


def settlement_options(session: Session, actor: Actor) -> dict[str, list[dict[str, str]]]:
    require(actor, Permission.COMPANY_ACCOUNTING_VIEW)
    return {
        "providers": [{"value": str(p.id), "label": p.name} for p in session.exec(select(FinanceProvider))],
        "locations": [{"value": str(loc.id), "label": loc.name} for loc in session.exec(
            select(Location).where(location_clause(actor, Permission.FUNDING_DETAILS_VIEW, Location.id))
            .order_by(Location.name))],
        "results": [{"value": r, "label": r.title()} for r in SETTLEMENT_RESULTS],
    }


# --- Report Sales Tax ---------------------------------------------------------------------------


def parse_tax_query(params: Mapping[str, str]) -> ListQuery:
    params = params if isinstance(params, Mapping) else {}
    return ListQuery(
        filters={"date_from": query_date(params, "date_from"), "date_to": query_date(params, "date_to"),
                 "locations": query_ids(params, "locations")},
        sort="id", direction="desc", page=query_int(params, "page", 1),
        size=query_int(params, "size", 50, allowed=PAGE_SIZES),
    )


def _tax_conds(actor: Actor, q: ListQuery) -> list:
    require(actor, Permission.COMPANY_ACCOUNTING_VIEW)
    f = q.filters
    conds = [location_clause(actor, Permission.FUNDING_DETAILS_VIEW, SalesOrder.location_id),
             SalesOrder.cancelled.is_(False), *_dates(f, SalesOrder.created_at)]
    if f.get("locations"):
        conds.append(SalesOrder.location_id.in_(f["locations"]))
    return conds


def _tax_rows(session: Session, conds: list, *, offset: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
    subtotal = (select(func.coalesce(func.sum(SalesOrderLine.quantity * SalesOrderLine.unit_price_cents), 0))
                .where(SalesOrderLine.order_id == SalesOrder.id).scalar_subquery())
    query = (select(SalesOrder, subtotal, Customer.first_name, Customer.last_name, Location.name)
             .join(Customer, Customer.id == SalesOrder.customer_id)
             .join(Location, Location.id == SalesOrder.location_id)
             .where(and_(*conds)).order_by(SalesOrder.id.desc()).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    out = []
    for order, sub, first, last, location in session.exec(query):
        taxable = 0 if order.non_taxable else max(0, int(sub) - order.discount_cents)
        out.append({"order_id": order.id, "date": order.created_at.strftime("%Y-%m-%d"), "customer": f"{first} {last}",
                    "location": location, "taxable_cents": taxable,
                    "tax_cents": percent_of(taxable, order.tax_rate_bps), "no_tax_reason": order.no_tax_reason})
    return out


def sales_tax(session: Session, actor: Actor, q: ListQuery) -> _Page:
    conds = _tax_conds(actor, q)
    all_rows = _tax_rows(session, conds)  # totals need every order's tax, computed by the one rounding rule
    count = len(all_rows)
    pages = max(1, -(-count // q.size))
    page = min(q.page, pages)
    rows = all_rows[(page - 1) * q.size: page * q.size]
    return _Page(
        [{**r, "taxable": format_cents(r["taxable_cents"]), "tax": format_cents(r["tax_cents"])} for r in rows],
        count, page, pages,
        {"count": f"{count:,}", "taxable": format_cents(sum(r["taxable_cents"] for r in all_rows)),
         "tax": format_cents(sum(r["tax_cents"] for r in all_rows)),
         "no_tax": f"{sum(1 for r in all_rows if r['no_tax_reason']):,}"},
    )


def sales_tax_csv(session: Session, actor: Actor, q: ListQuery) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TAX_COLUMNS)
    rows = _tax_rows(session, _tax_conds(actor, q))
    for r in rows:
        writer.writerow([r["order_id"], r["date"], _safe(r["customer"]), r["location"], format_cents(r["taxable_cents"]),
                         format_cents(r["tax_cents"]), r["no_tax_reason"]])
    writer.writerow(["Total", "", "", "", format_cents(sum(r["taxable_cents"] for r in rows)),
                     format_cents(sum(r["tax_cents"] for r in rows)), ""])
    yield buffer.getvalue()


def tax_options(session: Session, actor: Actor) -> dict[str, list[dict[str, str]]]:
    opts = settlement_options(session, actor)
    return {"locations": opts["locations"]}
