"""Demo data for an empty database (documented in the README)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from stapp.db import crypto
from stapp.db.models import (
    AddOn,
    ApplicationEvent,
    CatalogEntry,
    Customer,
    FinanceApplication,
    FinancePlan,
    FinanceProvider,
    Funding,
    FundingTransaction,
    Group,
    GroupPermission,
    Location,
    SalesOrder,
    SalesOrderLine,
    User,
    UserGroup,
)
from stapp.domain.financing import ADDON_CONSUMER_FINANCING, PROVIDER_NAME, AppStatus
from stapp.domain.funding import CatalogKind, FundingOutcome, FundingStatus
from stapp.domain.permissions import Permission
from stapp.services.auth import hash_password

DEMO_USERS = (
    ("Ada Admin", "admin@example.com", "stapp-admin", "Administrators"),
    ("Sam Sales", "sales@example.com", "stapp-sales", "Sales Austin"),
    ("Alex Accounting", "accounting@example.com", "stapp-accounting", "Accounting"),
)

FIRST = ["Maria", "James", "Linda", "Robert", "Patricia", "Michael", "Barbara", "William", "Elizabeth", "David",
         "Jennifer", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Daniel"]
LAST = ["Garcia", "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin"]
STREETS = ["Oak St", "Maple Ave", "Congress Ave", "Elm St", "Cedar Ln", "Lamar Blvd", "Main St", "Pecan St"]


def is_empty(session: Session) -> bool:
    return session.exec(select(User)).first() is None


def seed_demo(session: Session, *, customers: int = 40, rng_seed: int = 7) -> None:
    """Fill an empty database with the demo locations, groups, users and customers."""
    rng = random.Random(rng_seed)
    austin = Location(name="Austin", state="TX", sales_tax_bps=825)
    dallas = Location(name="Dallas", state="TX", sales_tax_bps=825)
    session.add_all([austin, dallas])
    session.flush()

    admins = Group(name="Administrators")
    sales = Group(name="Sales Austin")
    accounting = Group(name="Accounting")
    session.add_all([admins, sales, accounting])
    session.flush()
    for perm in Permission:
        session.add(GroupPermission(group_id=admins.id, permission=perm.value, location_id=None))
    for perm in (
        Permission.CUSTOMERS_VIEW,
        Permission.CUSTOMERS_CREATE,
        Permission.CUSTOMERS_MODIFY,
        Permission.CONSUMER_FINANCING_MANAGE,
        Permission.FUNDING_DETAILS_VIEW,
    ):
        session.add(GroupPermission(group_id=sales.id, permission=perm.value, location_id=austin.id))
    for perm in (
        Permission.COMPANY_ACCOUNTING_VIEW,
        Permission.FUNDING_DETAILS_VIEW,
        Permission.FUNDING_DETAILS_CREATE,
        Permission.FUNDING_DETAILS_MODIFY,
        Permission.FUNDING_DETAILS_DELETE,
        Permission.CUSTOMERS_VIEW,
    ):
        session.add(GroupPermission(group_id=accounting.id, permission=perm.value, location_id=None))

    groups = {g.name: g for g in (admins, sales, accounting)}
    users = {}
    for name, email, password, group_name in DEMO_USERS:
        user = User(name=name, email=email, password_hash=hash_password(password))
        session.add(user)
        session.flush()
        session.add(UserGroup(user_id=user.id, group_id=groups[group_name].id))
        users[email] = user

    start = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    for i in range(customers):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7 + i // len(FIRST)) % len(LAST)]
        location = austin if i % 2 == 0 else dallas
        city = location.name
        session.add(
            Customer(
                first_name=first,
                last_name=last,
                email=f"{first}.{last}{i}@example.net".lower(),
                phone=f"512-555-{1000 + i:04d}" if location is austin else f"214-555-{1000 + i:04d}",
                address_line1=f"{100 + rng.randrange(9000)} {rng.choice(STREETS)}",
                city=city,
                state="TX",
                zip_code="78701" if location is austin else "75201",
                location_id=location.id,
                created_by_id=users["admin@example.com"].id,
                created_at=start + timedelta(days=i * 7, hours=rng.randrange(8)),
            )
        )
    session.flush()
    seed_funding(session, users["accounting@example.com"].id, rng)
    seed_financing(session, users, rng)


CATALOGS = {
    CatalogKind.FUNDER: ["Alarm Funding Co", "Monitoring Capital", "Central Station Partners"],
    CatalogKind.FUNDING_TYPE: ["Contract Sale", "Bulk Portfolio"],
    CatalogKind.FUNDER_REASON: ["Best Multiple", "Fastest Payout"],
    CatalogKind.TRANSACTION_TYPE: ["Funding", "Holdback", "Charge back", "Reversal"],
}

# (status, outcome) pairs covering every status and every outcome, including none.
FUNDING_STATES = [
    (FundingStatus.PENDING, None),
    (FundingStatus.READY, None),
    (FundingStatus.SUBMITTED, None),
    (FundingStatus.REVIEW, None),
    (FundingStatus.COMPLETE, FundingOutcome.PAID_IN_FULL),
    (FundingStatus.COMPLETE, FundingOutcome.PARTIALLY_PAID),
    (FundingStatus.COMPLETE, FundingOutcome.REJECTED),
    (FundingStatus.REVIEW, FundingOutcome.NON_FUNDABLE),
    (FundingStatus.COMPLETE, FundingOutcome.PAID_IN_FULL),
    (FundingStatus.SUBMITTED, None),
    (FundingStatus.COMPLETE, FundingOutcome.PARTIALLY_PAID),
    (FundingStatus.PENDING, None),
    (FundingStatus.COMPLETE, FundingOutcome.PAID_IN_FULL),
    (FundingStatus.READY, None),
]


def seed_funding(session: Session, user_id: int, rng: random.Random) -> None:
    """The funding catalogs and fundings with transactions on about a third of the customers."""
    entries: dict[CatalogKind, list[CatalogEntry]] = {}
    for kind, names in CATALOGS.items():
        entries[kind] = [CatalogEntry(kind=kind.value, name=name) for name in names]
        session.add_all(entries[kind])
    session.flush()
    tx_type = {e.name: e for e in entries[CatalogKind.TRANSACTION_TYPE]}
    customers = session.exec(select(Customer).order_by(Customer.id)).all()
    for n, customer in enumerate(customers[::3]):
        status, outcome = FUNDING_STATES[n % len(FUNDING_STATES)]
        expected = rng.randrange(150, 450) * 1000 + rng.choice([0, 50, 99])
        created = customer.created_at + timedelta(days=3)
        funding = Funding(
            customer_id=customer.id,
            location_id=customer.location_id,
            funder_id=entries[CatalogKind.FUNDER][n % 3].id,
            funding_type_id=entries[CatalogKind.FUNDING_TYPE][0 if n % 4 else 1].id,
            reason_id=entries[CatalogKind.FUNDER_REASON][n % 2].id if n % 3 else None,
            status=status.value,
            outcome=outcome.value if outcome else None,
            amount_expected_cents=expected,
            date_expected=(created + timedelta(days=30)).date(),
            grade_info=["A", "A-", "B+", "B"][n % 4],
            notes="Contract sold at 36x RMR." if n % 2 else "",
            created_by_id=user_id,
            created_at=created,
            updated_at=created,
        )
        session.add(funding)
        session.flush()
        amounts: list[tuple[str, int]] = []
        if outcome == FundingOutcome.PAID_IN_FULL:
            amounts = [("Funding", expected - expected // 10), ("Holdback", expected // 10)]
        elif outcome == FundingOutcome.PARTIALLY_PAID:
            amounts = [("Funding", expected // 2), ("Charge back", -(expected // 20))]
        elif status in (FundingStatus.SUBMITTED, FundingStatus.REVIEW) and outcome is None:
            amounts = [("Funding", expected // 4)]
        elif outcome == FundingOutcome.REJECTED:
            amounts = [("Funding", 50000), ("Reversal", -50000)]
        for i, (type_name, cents) in enumerate(amounts):
            session.add(
                FundingTransaction(
                    funding_id=funding.id,
                    type_id=tx_type[type_name].id,
                    transaction_date=date.fromordinal(created.date().toordinal() + 10 + 5 * i),
                    amount_cents=cents,
                    reference=f"CHK-{1000 + funding.id * 10 + i}",
                    created_by_id=user_id,
                    created_at=created,
                )
            )
        funding.net_received_cents = sum(c for _, c in amounts)
        session.add(funding)
    session.flush()


SANDBOX_TOKEN = "shp-sandbox-token"
DEMO_PLANS = [
    ("I36", "36 months at 9.99% APR", "installment", 0),
    ("I60", "60 months at 12.99% APR", "installment", 0),
    ("R24", "24-month rent to own", "rto", 0),
    ("RV1", "Revolving account", "revolving", 2500),
]
DEMO_ORDER_LINES = [
    ("equipment", "Alarm panel and keypad", 1, 48900),
    ("equipment", "Door/window sensor", 6, 3450),
    ("installation", "Professional installation", 1, 19900),
    ("fee", "Activation fee", 1, 4900),
]
# (status, stage, finance type) for the demo applications: every status, on every other customer (all at Dallas).
DEMO_APPLICATIONS = [
    (AppStatus.APPROVED, "decisioned", "installment"),
    (AppStatus.APPROVED, "funded", "installment"),
    (AppStatus.DECLINED, "decisioned", None),
    (AppStatus.PREQUALIFIED, "decisioned", None),
    (AppStatus.IN_REVIEW, "underwriting", None),
    (AppStatus.NOT_SUBMITTED, None, None),
    (AppStatus.APPROVED, "contract_signed", "installment"),
    (AppStatus.DECLINED, "decisioned", None),
]


def seed_financing(session: Session, users: dict[str, User], rng: random.Random) -> None:
    """Consumer Financing enabled, the sandbox provider, and applications in every status."""
    admin = users["admin@example.com"]
    session.add(AddOn(key=ADDON_CONSUMER_FINANCING, enabled=True, changed_by_id=admin.id,
                      changed_at=datetime(2026, 1, 2, 16, 0, tzinfo=UTC)))
    provider = FinanceProvider(name=PROVIDER_NAME, environment="Development",
                               token_ciphertext=crypto.encrypt(SANDBOX_TOKEN), active=True,
                               revolving_settlement="manual")
    session.add(provider)
    session.flush()
    for code, description, finance_type, deposit_bps in DEMO_PLANS:
        session.add(FinancePlan(provider_id=provider.id, code=code, description=description,
                                finance_type=finance_type, max_deposit_bps=deposit_bps))
    customers = session.exec(select(Customer).order_by(Customer.id)).all()
    sales = users["sales@example.com"]
    for customer in customers[:4]:
        order = SalesOrder(customer_id=customer.id, location_id=customer.location_id, tax_rate_bps=825,
                           created_by_id=sales.id, created_at=customer.created_at + timedelta(days=2))
        session.add(order)
        session.flush()
        for kind, item, qty, price in DEMO_ORDER_LINES:
            session.add(SalesOrderLine(order_id=order.id, kind=kind, item=item, quantity=qty, unit_price_cents=price))
    for n, customer in enumerate(customers[1::2][: len(DEMO_APPLICATIONS) * 2]):
        status, stage, finance_type = DEMO_APPLICATIONS[n % len(DEMO_APPLICATIONS)]
        requested = rng.randrange(15, 90) * 10000
        created = customer.created_at + timedelta(days=1, hours=2)
        approved = status == AppStatus.APPROVED
        app = FinanceApplication(
            reference=f"stapp-demo-{n:04d}",
            idempotency_key=f"demo{n:028d}",
            fingerprint=f"demo-{n}",
            customer_id=customer.id,
            location_id=customer.location_id,
            provider_id=provider.id,
            created_by_id=sales.id,
            first_name=customer.first_name,
            last_name=customer.last_name,
            email=customer.email,
            phone=customer.phone,
            date_of_birth=date(1975 + n % 20, 1 + n % 12, 1 + n % 27),
            ssn_ciphertext=crypto.encrypt(f"{900000000 + n * 1111:09d}"),
            ssn_last4=f"{900000000 + n * 1111:09d}"[-4:],
            address_line1=customer.address_line1,
            city=customer.city,
            state=customer.state,
            zip_code=customer.zip_code,
            annual_income_cents=rng.randrange(45, 160) * 100000,
            employer="Acme Security" if n % 2 else "",
            amount_requested_cents=requested,
            consent_at=created,
            status=status.value,
            stage=stage,
            provider_app_id=None,
            amount_financed_cents=min(requested, 2_500_000) if approved else None,
            finance_type=finance_type,
            account_number=f"SHP-{700000 + n}" if approved else None,
            plans_json='[{"code": "I36", "description": "36 months at 9.99% APR", "finance_type": "installment"}]'
            if approved else "[]",
            prequal_url="https://sandbox.smarthomepay.example/prequal/demo" if status == AppStatus.PREQUALIFIED else None,
            decline_reason="Insufficient credit history" if status == AppStatus.DECLINED else None,
            created_at=created,
            updated_at=created,
            submitted_at=created if status != AppStatus.NOT_SUBMITTED else None,
            decided_at=created if status not in (AppStatus.NOT_SUBMITTED, AppStatus.IN_REVIEW) else None,
        )
        session.add(app)
        session.flush()
        if status != AppStatus.NOT_SUBMITTED:
            session.add(ApplicationEvent(application_id=app.id, at=created, field_name="status",
                                         from_value=AppStatus.SUBMITTING.value, to_value=status.value, source="user"))
    session.flush()
