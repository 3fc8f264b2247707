import pytest
from sqlalchemy import func
from sqlmodel import select

from stapp.db.engine import read_session, write_session
from stapp.db.models import Customer, Location
from stapp.domain.errors import NotFound, PermissionDenied, ValidationFailed
from stapp.services import customers as svc

NEW = {
    "first_name": "Zed",
    "last_name": "Quill",
    "email": "zed@example.com",
    "phone": "512 555 0199",
    "address_line1": "9 Elm St",
    "city": "Austin",
    "state": "TX",
    "zip_code": "78701",
}


def _location_id(name):
    with read_session() as s:
        return s.exec(select(Location.id).where(Location.name == name)).one()


def _count():
    with read_session() as s:
        return s.exec(select(func.count()).select_from(Customer)).one()


def test_sales_of_austin_lists_only_austin_customers(actor_for):
    with read_session() as s:
        page = svc.list_customers(s, actor_for("sales@example.com"))
    assert page.total == 20
    assert {row["location"] for row in page.rows} == {"Austin"}


def test_admin_lists_every_customer_in_pages(actor_for):
    with read_session() as s:
        first = svc.list_customers(s, actor_for("admin@example.com"))
        second = svc.list_customers(s, actor_for("admin@example.com"), page=2)
    assert first.total == 40 and first.pages == 2
    assert len(first.rows) == 25 and len(second.rows) == 15
    assert not {r["id"] for r in first.rows} & {r["id"] for r in second.rows}


def test_search_finds_by_name_email_and_phone_digits(actor_for):
    admin = actor_for("admin@example.com")
    with read_session() as s:
        by_name = svc.list_customers(s, admin, search="maria garcia")
        by_email = svc.list_customers(s, admin, search="james.davis1@")
        by_phone = svc.list_customers(s, admin, search="(214) 555 1001")
    assert by_name.total >= 1 and all("Maria Garcia" == r["name"] for r in by_name.rows)
    assert [r["email"] for r in by_email.rows] == ["james.davis1@example.net"]
    assert [r["phone"] for r in by_phone.rows] == ["214-555-1001"]


def test_the_location_filter_cannot_widen_what_a_user_sees(actor_for):
    with read_session() as s:
        page = svc.list_customers(s, actor_for("sales@example.com"), location_id=str(_location_id("Dallas")))
    assert page.total == 0


def test_a_user_of_austin_cannot_open_a_dallas_customer_by_id(actor_for):
    with read_session() as s:
        dallas_customer = s.exec(select(Customer).where(Customer.location_id == _location_id("Dallas"))).first()
        with pytest.raises(NotFound):
            svc.get_customer(s, actor_for("sales@example.com"), dallas_customer.id)
        assert svc.get_customer(s, actor_for("admin@example.com"), str(dallas_customer.id)).id == dallas_customer.id


def test_creating_a_customer_records_who_and_where(actor_for):
    sales = actor_for("sales@example.com")
    with write_session() as s:
        created = svc.create_customer(s, sales, {**NEW, "location_id": str(_location_id("Austin"))})
    with read_session() as s:
        row = s.get(Customer, created.id)
    assert row.created_by_id == sales.user_id and row.created_at.tzinfo is not None


def test_creating_at_a_location_without_permission_saves_nothing(actor_for):
    before = _count()
    with write_session() as s, pytest.raises(ValidationFailed) as exc:
        svc.create_customer(s, actor_for("sales@example.com"), {**NEW, "location_id": str(_location_id("Dallas"))})
    assert "location_id" in exc.value.errors
    assert _count() == before


def test_a_user_without_customers_create_is_refused(actor_for):
    before = _count()
    with write_session() as s, pytest.raises(PermissionDenied):
        svc.create_customer(s, actor_for("accounting@example.com"), {**NEW, "location_id": str(_location_id("Austin"))})
    assert _count() == before


def test_invalid_input_saves_nothing(actor_for):
    before = _count()
    with write_session() as s, pytest.raises(ValidationFailed):
        svc.create_customer(s, actor_for("admin@example.com"), {**NEW, "zip_code": "1", "location_id": "1"})
    assert _count() == before
