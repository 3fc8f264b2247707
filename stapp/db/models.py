"""SQLModel tables. Money is integer cents (``*_cents``); times are aware UTC (``*_at``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from stapp.db import changes, sortkeys, tally
from stapp.db.types import UTCDateTime, utcnow


def _utc_column(*, nullable: bool = False, index: bool = False) -> Column:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Location(SQLModel, table=True):
    """An office of the dealer; customers belong to one."""

    __tablename__ = "location"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    state: str = Field(max_length=2)
    sales_tax_bps: int = Field(default=0, description="Sales tax in basis points: 825 = 8.25%")


class User(SQLModel, table=True):
    """A person who signs in."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class Group(SQLModel, table=True):
    """A named set of permissions that users belong to."""

    __tablename__ = "app_group"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)


class UserGroup(SQLModel, table=True):
    """Membership of a user in a group."""

    __tablename__ = "user_group"

    user_id: int = Field(sa_column=Column(Integer, ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True))
    group_id: int = Field(sa_column=Column(Integer, ForeignKey("app_group.id", ondelete="CASCADE"), primary_key=True))


class GroupPermission(SQLModel, table=True):
    """One grant: a permission for one location, or for all locations when ``location_id`` is NULL."""

    __tablename__ = "group_permission"
    __table_args__ = (Index("ix_group_permission_group", "group_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=Column(Integer, ForeignKey("app_group.id", ondelete="CASCADE"), nullable=False))
    permission: str = Field(max_length=80)
    location_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("location.id", ondelete="CASCADE"), nullable=True)
    )


class AuthSession(SQLModel, table=True):
    """A signed-in browser. Only a hash of the token is stored; ending it signs the browser out."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    ended_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class Customer(SQLModel, table=True):
    """A customer of the dealer, at one location."""

    __tablename__ = "customer"
    __table_args__ = (
        Index("ix_customer_location_name", "location_id", "last_name", "first_name", "id"),
        Index("ix_customer_name", "last_name", "first_name", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    first_name: str = Field(max_length=50)
    last_name: str = Field(max_length=50)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=20)
    address_line1: str = Field(max_length=100)
    address_line2: str = Field(default="", max_length=100)
    city: str = Field(max_length=50)
    state: str = Field(max_length=2)
    zip_code: str = Field(max_length=5)
    location_id: int = Field(sa_column=Column(Integer, ForeignKey("location.id"), nullable=False))
    # monitoring service: Active, or Cancelled on a date (a cancellation inside a guarantee period is a risk)
    service_status: str = Field(default="Active", sa_column=Column(String(20), nullable=False, server_default="Active"))
    cancelled_on: date | None = Field(default=None)
    created_by_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class CatalogEntry(SQLModel, table=True):
    """An entry of one of the four funding catalogs (Funders, Funding Types, Funder Reasons, Transaction Types)."""

    __tablename__ = "catalog_entry"
    __table_args__ = (UniqueConstraint("kind", "name", name="uq_catalog_entry_kind_name"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)
    name: str = Field(max_length=100)
    active: bool = Field(default=True)


def _with_sort_keys(name: str, columns: tuple, keys: tuple) -> tuple[Index, Index]:
    """An index on ``columns`` that also carries the sort ``keys`` of its list: a filter it seeks, sorted by any of
    them, is then sorted from the index alone. SQLite appends them to the key (``<name>_wide``); PostgreSQL
    INCLUDEs them (``<name>_cover``)."""
    return (Index(f"{name}_wide", *columns, *keys).ddl_if(dialect="sqlite"),
            Index(f"{name}_cover", *columns, postgresql_include=list(keys)).ddl_if(dialect="postgresql"))


# What Funding Entries filters on that a walked index can test (services/funding_entries.py ``_WIDE``).
_FUNDING_FILTERED = ("location_id", "status", "outcome", "funder_id", "created_at", "date_expected")


class Funding(SQLModel, table=True):
    """The sale of a customer's monitoring contract to a funder.

    ``location_id`` copies the customer's location so company-wide lists filter on one indexed table;
    ``net_received_cents`` is the sum of the transactions, rewritten in the same database transaction
    as every transaction change (the funding row is locked first).
    """

    __tablename__ = "funding"
    __table_args__ = (
        Index("ix_funding_customer", "customer_id", "id"),
        Index("ix_funding_location_id", "location_id", "id"),
        Index("ix_funding_status_cover", "status", "id", postgresql_include=[c for c in _FUNDING_FILTERED if c != "status"])
        .ddl_if(dialect="postgresql"),
        Index("ix_funding_funder_id", "funder_id", "id"),
        # newest first, carrying Date Expected: PostgreSQL walks it for an Expected range sorted by Created
        # without reading the rows (61 ms -> 2.5 ms at 300,000 fundings)
        Index("ix_funding_created_expected", "created_at", "id", "date_expected"),
        # ids in order with both dates: a date range sorted by ID is walked on it, not on the rows (SQLite,
        # services/paging.py Walk; 20.7 -> 10.4 ms for a typed page 400 at 300,000 fundings)
        Index("ix_funding_id_dates", "id", "created_at", "date_expected"),
        # an Expected range: SQLite scans it on this index alone, to sort the page keys in the Created order and
        # to sum the summary with any list filter (97 -> 11 ms; the dashboard's overdue list 830 -> 120 ms)
        Index("ix_funding_expected_wide", "date_expected", "created_at", "id", "location_id", "status", "outcome",
              "funder_id", "amount_expected_cents", "net_received_cents"),
        # the default order is newest first: each filter column with it, so a filtered page is an index range
        Index("ix_funding_location_created", "location_id", "created_at", "id"),
        Index("ix_funding_status_created", "status", "created_at", "id"),
        Index("ix_funding_outcome_created", "outcome", "created_at", "id"),
        # PostgreSQL takes ``outcome IS NULL`` for no equality, so the index above gave it no Created order for the
        # fundings with no outcome yet: it walked the creation index testing each row's outcome instead (page 400:
        # 9 ms of SQL, 22-29 ms a page). This one is theirs alone, in that order (1.7 ms of SQL, about 21 ms a page)
        Index("ix_funding_created_no_outcome", "created_at", "id", postgresql_where=text("outcome IS NULL"))
        .ddl_if(dialect="postgresql"),
        Index("ix_funding_funder_created", "funder_id", "created_at", "id"),
        # statuses at some offices, newest first (as ix_finapp_location_status_*): SQLite read a month's entries of the
        # status and each row for its office (page 103 of COMPLETE at three offices: 7.5 -> 1 ms); with the other
        # sorts' keys, the filter sorted by any of them is sorted from the index alone
        *_with_sort_keys("ix_funding_location_status", ("location_id", "status", "created_at", "id"),
                         ("customer_sort", "outcome", "funder_sort", "amount_expected_cents", "date_expected")),
        Index("ix_funding_holdback_release", "holdback_release_date", "id"),
        # the dashboard reads these without touching the rows: overdue fundings, and ageing by status
        Index("ix_funding_status_expected", "status", "date_expected", "location_id"),
        Index("ix_funding_status_since", "status", "status_since", "location_id"),
        # the Customer and Funder sorts read their keys in order (stapp/db/sortkeys.py)
        Index("ix_funding_customer_sort_cover", "customer_sort", "id", postgresql_include=_FUNDING_FILTERED)
        .ddl_if(dialect="postgresql"),
        # SQLite: each sort's index carries the columns the list filters on, so a filtered page walks it in order and
        # tests them on its entries without reading a row (services/paging.py Walk; a quarter by Customer: 50 -> 3 ms
        # a page); PostgreSQL weighs its own plans and keeps the narrow indexes (NULLS FIRST: ``_nulls_first``)
        *[Index(f"ix_funding_{name}_wide", key, "id", *(c for c in _FUNDING_FILTERED if c != key)).ddl_if(dialect="sqlite")
          for name, key in (("customer_sort", "customer_sort"), ("status", "status"), ("outcome", "outcome"),
                            ("funder_sort", "funder_sort"), ("expected_amount", "amount_expected_cents"),
                            ("date_expected_id", "date_expected"))],
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column=Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False))
    location_id: int = Field(sa_column=Column(Integer, ForeignKey("location.id"), nullable=False))
    funder_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("catalog_entry.id"), nullable=True))
    funding_type_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("catalog_entry.id"), nullable=True)
    )
    reason_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("catalog_entry.id"), nullable=True))
    status: str = Field(max_length=20)
    outcome: str | None = Field(default=None, max_length=20)
    amount_expected_cents: int | None = Field(default=None)
    net_received_cents: int = Field(default=0)
    date_expected: date | None = Field(default=None)
    grade_info: str = Field(default="", max_length=255)
    notes: str = Field(default="")
    # what the funder keeps back until the guarantee period ends (see domain/funding.py Holdback)
    holdback_cents: int | None = Field(default=None)
    guarantee_months: int | None = Field(default=None)
    holdback_release_date: date | None = Field(default=None)
    # when the funding entered its current Funding Status (the dashboard's ageing)
    status_since: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    # Funding Entries' sort keys, written only by database triggers (stapp/db/sortkeys.py): the customer's name as the
    # Customer sort compares it, the funder's name (NULL without a funder)
    customer_sort: str = Field(default="", sa_column=Column(String(101), nullable=False, server_default=""))
    funder_sort: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    created_by_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class FundingTransaction(SQLModel, table=True):
    """A payout, holdback, chargeback or reversal on a funding. Positive in, negative out."""

    __tablename__ = "funding_transaction"
    __table_args__ = (Index("ix_funding_transaction_funding", "funding_id", "transaction_date", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    funding_id: int = Field(sa_column=Column(Integer, ForeignKey("funding.id", ondelete="CASCADE"), nullable=False))
    type_id: int = Field(sa_column=Column(Integer, ForeignKey("catalog_entry.id"), nullable=False))
    transaction_date: date
    amount_cents: int
    reference: str = Field(default="", max_length=255)
    note: str = Field(default="")
    created_by_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class AddOn(SQLModel, table=True):
    """An add-on of the account (Consumer Financing), with who changed it and when."""

    __tablename__ = "addon"

    key: str = Field(primary_key=True, max_length=50)
    enabled: bool = Field(default=False)
    changed_by_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True)
    )
    changed_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class FinanceProvider(SQLModel, table=True):
    """A configured Smart Home Pay LOS provider. The bearer token is stored encrypted, never shown."""

    __tablename__ = "finance_provider"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="smart_home_pay_los", max_length=40)
    name: str = Field(max_length=50)
    environment: str = Field(max_length=20)
    token_ciphertext: str = Field(max_length=1000)
    active: bool = Field(default=True)
    last_test_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    last_test_result: str = Field(default="", max_length=200)
    require_account_number: bool = Field(default=False)
    revolving_settlement: str = Field(default="end_of_day", max_length=20)  # "end_of_day" or "manual"
    settlement_time: str = Field(default="23:00", max_length=5)  # HH:MM UTC, for end of day
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


# What the company Financing list filters on besides the sales rep (which has no tally, so never walks).
_FILTERED = ("location_id", "status", "stage", "created_at")


class FinanceApplication(SQLModel, table=True):
    """A consumer-financing application. Saved before the provider is called; the idempotency key makes
    every later call (retry, reconnect, reconciliation) land on the same application at the provider."""

    __tablename__ = "finance_application"
    __table_args__ = (
        Index("ix_finapp_customer", "customer_id", "id"),
        Index("ix_finapp_location_id", "location_id", "id"),
        Index("ix_finapp_status_id", "status", "id"),
        Index("ix_finapp_stage_id", "stage", "id").ddl_if(dialect="sqlite"),
        Index("ix_finapp_created", "created_at", "id"),
        # ids in order with the creation date: a Created range sorted by ID is walked on it, not on the rows (SQLite,
        # services/paging.py Walk; 70 -> 21 ms for a typed page 400 at a million applications)
        Index("ix_finapp_id_created", "id", "created_at"),
        Index("ix_finapp_pending", "status", "updated_at"),
        Index("ix_finapp_location_created", "location_id", "created_at", "id"),
        Index("ix_finapp_status_created", "status", "created_at", "id"),
        # SQLite: with the amounts, a stage in a date range sorted by an amount is sorted from the index alone, not
        # from each row (underwriting in a quarter by Amount Requested, page 200 typed: 30 -> 8.5 ms)
        Index("ix_finapp_stage_created", "stage", "created_at", "id").ddl_if(dialect="postgresql"),
        Index("ix_finapp_stage_created_wide", "stage", "created_at", "id", "amount_requested_cents",
              "amount_financed_cents").ddl_if(dialect="sqlite"),
        # statuses at some offices, newest first (accounting's everyday filter): a typed page is placed in a month of
        # the tally and then sorted from this index alone; PostgreSQL otherwise intersected the month's statuses with
        # every entry of the offices (22-28 -> 4 ms for page 400 of two statuses at three of fifty offices). It carries
        # the other sorts' keys, so the filter sorted by any of them is sorted from the index alone too, never from the
        # rows (Declined at three offices by Stage: 25-35 -> 2-6 ms a page on SQLite)
        *_with_sort_keys("ix_finapp_location_status", ("location_id", "status", "created_at", "id"),
                         ("stage", "amount_requested_cents", "amount_financed_cents")),
        # approval rate by sales rep over a period, read from the index alone
        Index("ix_finapp_created_rep", "created_at", "created_by_id", "status", "location_id"),
        # the Amount sorts: a page is read from the index instead of sorting a million amounts. On SQLite the index
        # carries the columns the company list filters on, so a filtered page walks it in order and tests them on
        # its entries without reading a row (services/paging.py Walk; Approved in a quarter by Amount Financed:
        # 160 -> 2 ms a page); PostgreSQL weighs its own plans and keeps the narrow index (NULLS FIRST, below).
        Index("ix_finapp_requested_cover", "amount_requested_cents", "id", postgresql_include=_FILTERED)
        .ddl_if(dialect="postgresql"),
        Index("ix_finapp_requested_wide", "amount_requested_cents", "id", *_FILTERED).ddl_if(dialect="sqlite"),
        Index("ix_finapp_financed_wide", "amount_financed_cents", "id", *_FILTERED).ddl_if(dialect="sqlite"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=40, unique=True)
    idempotency_key: str = Field(max_length=64, unique=True)
    fingerprint: str = Field(max_length=64, index=True)
    customer_id: int = Field(sa_column=Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False))
    location_id: int = Field(sa_column=Column(Integer, ForeignKey("location.id"), nullable=False))
    provider_id: int = Field(sa_column=Column(Integer, ForeignKey("finance_provider.id"), nullable=False))
    created_by_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True)
    )
    first_name: str = Field(max_length=50)
    last_name: str = Field(max_length=50)
    email: str = Field(max_length=254)
    phone: str = Field(max_length=20)
    date_of_birth: date
    ssn_ciphertext: str = Field(max_length=500)
    ssn_last4: str = Field(max_length=4)
    address_line1: str = Field(max_length=100)
    city: str = Field(max_length=50)
    state: str = Field(max_length=2)
    zip_code: str = Field(max_length=5)
    annual_income_cents: int
    employer: str = Field(default="", max_length=100)
    co_first_name: str = Field(default="", max_length=50)
    co_last_name: str = Field(default="", max_length=50)
    co_email: str = Field(default="", max_length=254)
    co_phone: str = Field(default="", max_length=20)
    co_date_of_birth: date | None = Field(default=None)
    co_ssn_ciphertext: str = Field(default="", max_length=500)
    co_ssn_last4: str = Field(default="", max_length=4)
    co_annual_income_cents: int | None = Field(default=None)
    amount_requested_cents: int
    consent_at: datetime = Field(sa_column=_utc_column())
    status: str = Field(max_length=20)
    stage: str | None = Field(default=None, max_length=30)
    provider_app_id: str | None = Field(default=None, max_length=80, index=True)
    provider_version: int = Field(default=0)
    amount_financed_cents: int | None = Field(default=None)
    finance_type: str | None = Field(default=None, max_length=20)
    account_number: str | None = Field(default=None, max_length=40)
    plans_json: str = Field(default="[]")
    prequal_url: str | None = Field(default=None, max_length=500)
    decline_reason: str | None = Field(default=None, max_length=500)
    last_error: str = Field(default="", max_length=500)
    submit_attempts: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    checked_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    submitted_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    decided_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class ApplicationEvent(SQLModel, table=True):
    """One change of an application's status or stage: when, from, to, and what told us."""

    __tablename__ = "application_event"
    __table_args__ = (Index("ix_application_event_app", "application_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(
        sa_column=Column(Integer, ForeignKey("finance_application.id", ondelete="CASCADE"), nullable=False)
    )
    at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    field_name: str = Field(max_length=10)
    from_value: str = Field(default="", max_length=40)
    to_value: str = Field(default="", max_length=40)
    source: str = Field(max_length=10)


class WebhookReceipt(SQLModel, table=True):
    """Webhook event ids already processed: a replay is recognised and ignored."""

    __tablename__ = "webhook_receipt"

    event_id: str = Field(primary_key=True, max_length=100)
    received_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class Lease(SQLModel, table=True):
    """A named lease so a periodic job (the reconciler) runs in one worker at a time."""

    __tablename__ = "lease"

    name: str = Field(primary_key=True, max_length=50)
    holder: str = Field(max_length=100)
    expires_at: datetime = Field(sa_column=_utc_column())


class FinancePlan(SQLModel, table=True):
    """A Financing Payment Plan of a provider: code, description, finance type, deposit limit."""

    __tablename__ = "finance_plan"
    __table_args__ = (UniqueConstraint("provider_id", "code", name="uq_finance_plan_provider_code"),)

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(sa_column=Column(Integer, ForeignKey("finance_provider.id"), nullable=False))
    code: str = Field(max_length=5)
    description: str = Field(max_length=50)
    finance_type: str = Field(max_length=20)
    max_deposit_bps: int = Field(default=0)
    active: bool = Field(default=True)


class SalesOrder(SQLModel, table=True):
    """The system sold to a customer (equipment, installation, fees) and how it is paid."""

    __tablename__ = "sales_order"
    __table_args__ = (Index("ix_sales_order_customer", "customer_id", "id"), Index("ix_sales_order_location", "location_id", "id"))

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(sa_column=Column(Integer, ForeignKey("customer.id", ondelete="CASCADE"), nullable=False))
    location_id: int = Field(sa_column=Column(Integer, ForeignKey("location.id"), nullable=False))
    discount_cents: int = Field(default=0)
    tax_rate_bps: int = Field(default=0)
    non_taxable: bool = Field(default=False)
    no_tax_reason: str = Field(default="", max_length=20)
    deposits_cents: int = Field(default=0)
    cancelled: bool = Field(default=False)
    plan_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("finance_plan.id"), nullable=True))
    application_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("finance_application.id"), nullable=True)
    )
    finance_type: str | None = Field(default=None, max_length=20)
    financed_cents: int = Field(default=0)
    financed_as_deposit: bool = Field(default=False)
    authorization_status: str = Field(default="", max_length=20)  # approved, prequalified, declined
    authorization_number: str = Field(default="", max_length=60)
    provider_auth_id: str = Field(default="", max_length=80, index=True)
    credit_hold: str = Field(default="", max_length=5)  # "F3" while pre-qualified
    prequal_url: str = Field(default="", max_length=500)
    account_number: str = Field(default="", max_length=40)
    created_by_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(index=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())


class SalesOrderLine(SQLModel, table=True):
    """A line of an order; completed (installed) individually."""

    __tablename__ = "sales_order_line"
    __table_args__ = (Index("ix_sales_order_line_order", "order_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(sa_column=Column(Integer, ForeignKey("sales_order.id", ondelete="CASCADE"), nullable=False))
    kind: str = Field(max_length=20)
    item: str = Field(max_length=100)
    quantity: int
    unit_price_cents: int
    completed_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class FinanceAuthorization(SQLModel, table=True):
    """Every authorization, re-authorization and adjustment request and its response (FR Authorization Display)."""

    __tablename__ = "finance_authorization"
    __table_args__ = (Index("ix_finance_authorization_order", "order_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(sa_column=Column(Integer, ForeignKey("sales_order.id", ondelete="CASCADE"), nullable=False))
    kind: str = Field(max_length=20)  # authorization, reauthorization, adjustment
    idempotency_key: str = Field(max_length=64, unique=True)
    amount_cents: int
    status: str = Field(default="pending", max_length=20)
    authorization_number: str = Field(default="", max_length=60)
    provider_ref: str = Field(default="", max_length=80)
    request_json: str = Field(default="{}")
    response_json: str = Field(default="")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    answered_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class Settlement(SQLModel, table=True):
    """Money the provider owes the dealer for completed work. Sent once: retries reuse the idempotency key."""

    __tablename__ = "settlement"
    __table_args__ = (
        Index("ix_settlement_status", "status", "id"),
        Index("ix_settlement_created", "created_at", "id"),
        Index("ix_settlement_location", "location_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(sa_column=Column(Integer, ForeignKey("sales_order.id", ondelete="CASCADE"), nullable=False))
    location_id: int = Field(sa_column=Column(Integer, ForeignKey("location.id"), nullable=False))
    provider_id: int = Field(sa_column=Column(Integer, ForeignKey("finance_provider.id"), nullable=False))
    finance_type: str = Field(max_length=20)
    kind: str = Field(max_length=10)  # partial, final, batch
    amount_cents: int
    idempotency_key: str = Field(max_length=64, unique=True)
    status: str = Field(default="pending", max_length=10)  # pending, sent
    batch: str = Field(default="", max_length=40)
    provider_ref: str = Field(default="", max_length=80)
    response: str = Field(default="", max_length=500)
    attempts: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    sent_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class AuditEvent(SQLModel, table=True):
    """Append-only: who did what to which record, when, from where; before and after with secrets masked."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_at", "at", "id"),
        Index("ix_audit_user", "user_id", "id"),
        Index("ix_audit_action", "action", "id"),
        Index("ix_audit_entity", "entity", "entity_id"),
        Index("ix_audit_customer", "customer_id", "id"),
        Index("ix_audit_location", "location_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_utc_column())
    user_id: int | None = Field(default=None)
    user_email: str = Field(default="", max_length=254)
    action: str = Field(max_length=60)
    entity: str = Field(max_length=40)
    entity_id: str = Field(default="", max_length=80)
    customer_id: int | None = Field(default=None)
    location_id: int | None = Field(default=None)
    outcome: str = Field(default="ok", max_length=10)  # ok, denied, failed
    source: str = Field(default="user", max_length=10)  # user, webhook, poller, system
    before_json: str = Field(default="")
    after_json: str = Field(default="")


class _TallyRow(SQLModel):
    """The key every tally starts with: the grain (``d``, ``m``, ``y``), the period's first day, the location."""

    grain: str = Field(primary_key=True, max_length=1)
    period: date = Field(primary_key=True)
    location_id: int = Field(primary_key=True)


class ApplicationTally(_TallyRow, table=True):
    """Maintained by database triggers (``stapp/db/tally.py``), never written by the app: per UTC day
    (grain ``d``), month (``m``) and year (``y``) of creation, location, status and stage, the count of applications and
    their Amount Requested and Amount Financed sums. The company Financing summary reads it."""

    __tablename__ = "application_tally"

    status: str = Field(primary_key=True, max_length=20)
    stage: str = Field(primary_key=True, max_length=40)
    n: int = Field(default=0)
    requested_cents: int = Field(default=0, sa_type=BigInteger)
    financed_cents: int = Field(default=0, sa_type=BigInteger)


class ApplicationFinancedTally(_TallyRow, table=True):
    """Maintained by database triggers (``stapp/db/tally.py``), never written by the app: what ``application_tally``
    counts, of the applications with an Amount Financed only. The rows of a filter without one are the difference:
    a page sorted by Amount Financed reads its NULLs and its amounts as two ranges of known sizes."""

    __tablename__ = "application_financed_tally"

    status: str = Field(primary_key=True, max_length=20)
    stage: str = Field(primary_key=True, max_length=40)
    n: int = Field(default=0)


class _FundingFigures(_TallyRow):
    """The rest of the two funding tallies' columns: the filters they carry, the count and the sums."""

    status: str = Field(primary_key=True, max_length=20)
    outcome: str = Field(primary_key=True, max_length=20)
    funder_id: int = Field(primary_key=True)
    n: int = Field(default=0)
    expected_cents: int = Field(default=0, sa_type=BigInteger)
    net_cents: int = Field(default=0, sa_type=BigInteger)


class FundingTally(_FundingFigures, table=True):
    """Maintained by database triggers (``stapp/db/tally.py``), never written by the app: per UTC day (grain
    ``d``), month (``m``) and year (``y``) of creation, location, status, outcome (``''``: none yet) and funder (``0``: No
    Funder), the count of fundings and their Amount Expected and Net Received sums. The Funding Entries
    summary reads it."""

    __tablename__ = "funding_tally"


class ApplicationDayTally(_TallyRow, table=True):
    """Maintained by database triggers (``stapp/db/tally.py``), never written by the app: per UTC day, month and
    year of creation and location, the count of submitted applications (all but Not Submitted) and their Amount
    Requested and Amount Financed sums. The dashboard's requested vs financed per week reads it."""

    __tablename__ = "application_day_tally"

    n: int = Field(default=0)
    requested_cents: int = Field(default=0, sa_type=BigInteger)
    financed_cents: int = Field(default=0, sa_type=BigInteger)


class FundingExpectedTally(_FundingFigures, table=True):
    """Maintained by database triggers (``stapp/db/tally.py``), never written by the app: what ``funding_tally``
    keeps, per day, month and year of Date Expected instead of creation (fundings without a Date Expected are not
    in it). Funding Entries' summary with an Expected range and the dashboard's overdue count read it."""

    __tablename__ = "funding_expected_tally"


class ApplicationRepTally(_TallyRow, table=True):
    """Maintained by database triggers (``stapp/db/tally.py``), never written by the app: per UTC day, month and
    year of creation, location, sales rep (``created_by_id``; ``0``: the user was removed) and status, the count of
    applications. The dashboard's approval rate by sales rep reads it."""

    __tablename__ = "application_rep_tally"

    rep_id: int = Field(primary_key=True)
    status: str = Field(primary_key=True, max_length=20)
    n: int = Field(default=0)


class FundingAgeTally(_TallyRow, table=True):
    """Maintained by database triggers (``stapp/db/tally.py``), never written by the app: per UTC day, month and
    year a funding entered its status (``status_since``), location and status, the count of fundings. The
    dashboard's ageing (days in status) reads it."""

    __tablename__ = "funding_age_tally"

    status: str = Field(primary_key=True, max_length=20)
    n: int = Field(default=0)


class _BandRow(SQLModel):
    """The key every band tally starts with (``stapp/db/tally.py`` ``BANDS``): the grain (``m``, ``y``), the period's
    first day, and the band of the sort key (``tally.number_band``; Expected Date: its month)."""

    grain: str = Field(primary_key=True, max_length=1)
    period: date = Field(primary_key=True)
    band: int = Field(primary_key=True)


class _ApplicationBands(_BandRow):
    """Maintained by database triggers, never written by the app: per month and year of creation, band of the sort key,
    status and stage (``''``: none), the count of applications. A page typed deep into company Financing sorted by
    the key is placed by it (``paging.by_bands``)."""

    status: str = Field(primary_key=True, max_length=20)
    stage: str = Field(primary_key=True, max_length=40)
    n: int = Field(default=0)


class ApplicationRequestedBands(_ApplicationBands, table=True):
    __tablename__ = "application_requested_bands"


class ApplicationFinancedBands(_ApplicationBands, table=True):
    """Of the applications with an Amount Financed."""

    __tablename__ = "application_financed_bands"


class ApplicationIdBands(_ApplicationBands, table=True):
    __tablename__ = "application_id_bands"


class ApplicationUnfinancedIdBands(_ApplicationBands, table=True):
    """``application_id_bands`` of the applications without an Amount Financed only: sorted by it, their rows are one
    range ordered by id, and a page typed deep among them is placed by it."""

    __tablename__ = "application_unfinanced_id_bands"


class _FundingBands(_BandRow):
    """Maintained by database triggers, never written by the app: per month and year of creation, band of the sort key,
    status, outcome (``''``: none yet) and funder (``0``: No Funder), the count of fundings with a value of the key. A
    page typed deep into Funding Entries sorted by the key is placed by it (``paging.by_bands``)."""

    status: str = Field(primary_key=True, max_length=20)
    outcome: str = Field(primary_key=True, max_length=20)
    funder_id: int = Field(primary_key=True)
    n: int = Field(default=0)


class FundingAmountBands(_FundingBands, table=True):
    __tablename__ = "funding_amount_bands"


class FundingExpectedBands(_FundingBands, table=True):
    __tablename__ = "funding_expected_bands"


class FundingIdBands(_FundingBands, table=True):
    __tablename__ = "funding_id_bands"


class FundingAmountBandsByExpected(_FundingBands, table=True):
    """``funding_amount_bands`` by the month and year of Date Expected (fundings without one left out)."""

    __tablename__ = "funding_amount_bands_by_expected"


class FundingIdBandsByExpected(_FundingBands, table=True):
    """``funding_id_bands`` by the month and year of Date Expected (fundings without one left out)."""

    __tablename__ = "funding_id_bands_by_expected"


class FundingCustomerBands(_FundingBands, table=True):
    """Bands of Customer (``customer_sort``): band ``i`` holds the keys from bound ``i - 1`` (included) to bound ``i``
    of ``funding_customer_bounds``."""

    __tablename__ = "funding_customer_bands"


class FundingCustomerBounds(SQLModel, table=True):
    """The bounds of ``funding_customer_bands``, chosen from the fundings' Customer keys when the tally is rebuilt
    (``stapp/db/tally.py`` ``Bounds``), with the largest funding id then (``rows``: about how many fundings there
    were; ``tally.rebalance`` compares it with the largest id now)."""

    __tablename__ = "funding_customer_bounds"

    position: int = Field(primary_key=True)
    bound: str = Field(max_length=101)
    rows: int = Field(default=0)


class ChangeCounter(SQLModel, table=True):
    """One number per kind of record, raised by database triggers (``stapp/db/changes.py``): open pages poll it."""

    __tablename__ = "change_counter"

    name: str = Field(primary_key=True, max_length=20)
    n: int = Field(default=0, sa_type=BigInteger)


tally.listen(SQLModel.metadata)
changes.listen(SQLModel.metadata)
sortkeys.listen(SQLModel.metadata)


def _nulls_first(name: str, column, ident, *leading, include: tuple = ()) -> Index:  # noqa: ANN001
    """PostgreSQL's index for a sort on a column that may be NULL: the lists put NULLs first ascending and last
    descending (``paging.SortKey``), which a default PostgreSQL index (NULLs last ascending) serves in neither
    direction, so PostgreSQL sorted the whole table for page 1 (Amount Financed at a million applications: 160 ms).
    Ordered NULLs first, the index is read forwards or backwards in the list's order. SQLite orders NULLs so
    natively and has no NULLS FIRST in an index: it keeps the plain index of the same columns. ``leading``: columns
    the index starts with (a filter the sort is read within, ``_sorted_within``)."""
    return Index(name, *leading, column.asc().nulls_first(), ident,
                 postgresql_include=[c for c in include if c != column.key]).ddl_if(dialect="postgresql")


_nulls_first("ix_funding_outcome_cover_nf", Funding.outcome, Funding.id, include=_FUNDING_FILTERED)
_nulls_first("ix_funding_date_expected_cover_nf", Funding.date_expected, Funding.id, include=_FUNDING_FILTERED)
_nulls_first("ix_funding_expected_amount_cover_nf", Funding.amount_expected_cents, Funding.id, include=_FUNDING_FILTERED)
_nulls_first("ix_funding_funder_sort_cover_nf", Funding.funder_sort, Funding.id, include=_FUNDING_FILTERED)
_nulls_first("ix_finapp_stage_cover_nf", FinanceApplication.stage, FinanceApplication.id, include=_FILTERED)
_nulls_first("ix_finapp_financed_cover_nf", FinanceApplication.amount_financed_cents, FinanceApplication.id,
             include=_FILTERED)


def _sorted_within(name: str, scope, key, ident, *, nullable: bool, within=None) -> None:  # noqa: ANN001
    """An index for a list filtered on ``scope`` (and ``within``) and sorted by ``key``: the page is a range of it, read
    in order.

    Without it, a list filtered to one location (or a user whose permission covers one office, the same condition)
    and sorted by another column read every row of the location to sort them: 11-16 ms for Funding Entries and
    35-55 ms for company Financing at one of fifty offices on SQLite, 48-89 ms on PostgreSQL for a typed page deep
    in it. A key that may be NULL gets PostgreSQL's NULLS FIRST order (``_nulls_first``) and SQLite's plain one."""
    leading = (scope,) if within is None else (scope, within)
    if nullable:
        Index(name, *leading, key, ident).ddl_if(dialect="sqlite")
        _nulls_first(f"{name}_nf", key, ident, *leading)
    else:
        Index(name, *leading, *((key,) if key.key == ident.key else (key, ident)))


# Each sort of the two company lists within one location (ID and Created have theirs in the tables' own indexes).
for _key, _nullable in ((Funding.customer_sort, False), (Funding.status, False), (Funding.funder_sort, True),
                        (Funding.outcome, True), (Funding.amount_expected_cents, True), (Funding.date_expected, True)):
    _sorted_within(f"ix_funding_location_{_key.key}", Funding.location_id, _key, Funding.id, nullable=_nullable)
for _key, _nullable in ((FinanceApplication.amount_requested_cents, False),
                        (FinanceApplication.amount_financed_cents, True), (FinanceApplication.stage, True)):
    _sorted_within(f"ix_finapp_location_{_key.key}", FinanceApplication.location_id, _key, FinanceApplication.id,
                   nullable=_nullable)
# Statuses at a few offices sorted by ID or an amount: each office's status is a range of these, read in order and
# merged (``paging.office_arms``' pairs) instead of sorting every row of them (Approved at three of fifty offices by
# Amount Requested, page 400 typed: 42-46 -> 5 ms on SQLite). Created has its own (``ix_finapp_location_status_*``).
for _key, _nullable in ((FinanceApplication.id, False), (FinanceApplication.amount_requested_cents, False),
                        (FinanceApplication.amount_financed_cents, True)):
    _sorted_within(f"ix_finapp_location_status_{_key.key}", FinanceApplication.location_id, _key,
                   FinanceApplication.id, nullable=_nullable, within=FinanceApplication.status)
# Approved applications sorted by Stage: the two go together (In Review is always underwriting, Not Submitted has
# none), so reading the Stage index skipped every other status's rows and the status index sorted half a million
# stages (124 ms on SQLite, 134-157 ms on PostgreSQL at a million applications).
_sorted_within("ix_finapp_status_stage", FinanceApplication.status, FinanceApplication.stage, FinanceApplication.id,
               nullable=True)
