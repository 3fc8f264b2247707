import pytest
from sqlmodel import select

from stapp.db.engine import read_session, write_session
from stapp.db.models import CatalogEntry
from stapp.domain.errors import NotFound, PermissionDenied, ValidationFailed
from stapp.domain.funding import CatalogKind
from stapp.services import catalogs as svc


def test_the_four_catalogs_hold_the_demo_entries(actor_for):
    admin = actor_for("admin@example.com")
    with read_session() as s:
        names = {k: [e["name"] for e in svc.list_catalog(s, admin, k)] for k in CatalogKind}
    assert names[CatalogKind.FUNDER] == ["Alarm Funding Co", "Central Station Partners", "Monitoring Capital"]
    assert names[CatalogKind.TRANSACTION_TYPE] == ["Charge back", "Funding", "Holdback", "Reversal"]


def test_only_funding_catalogs_manage_may_change_catalogs(actor_for):
    with write_session() as s, pytest.raises(PermissionDenied):
        svc.add_entry(s, actor_for("accounting@example.com"), "funder", "Sneaky Funder")


def test_add_rename_and_delete_an_unused_entry(actor_for):
    admin = actor_for("admin@example.com")
    with write_session() as s:
        entry = svc.add_entry(s, admin, "funder_reason", "  Lowest Holdback ")
    with write_session() as s:
        svc.rename_entry(s, admin, entry.id, "Lowest holdback")
    with write_session() as s:
        assert svc.delete_entry(s, admin, entry.id) == "Lowest holdback"
    with read_session() as s:
        assert s.get(CatalogEntry, entry.id) is None


@pytest.mark.parametrize("name", ["", "x" * 101, "monitoring capital", None, {"$ne": 1}])
def test_names_are_required_short_and_unique_in_their_catalog(actor_for, name):
    with write_session() as s, pytest.raises(ValidationFailed):
        svc.add_entry(s, actor_for("admin@example.com"), "funder", name)


def test_the_same_name_may_exist_in_another_catalog(actor_for):
    with write_session() as s:
        svc.add_entry(s, actor_for("admin@example.com"), "funding_type", "Monitoring Capital")


def test_an_entry_in_use_cannot_be_deleted_and_says_why(actor_for):
    admin = actor_for("admin@example.com")
    with read_session() as s:
        funding = s.exec(select(CatalogEntry).where(CatalogEntry.name == "Funding")).one()
    with write_session() as s, pytest.raises(ValidationFailed) as exc:
        svc.delete_entry(s, admin, funding.id)
    assert "is used by" in exc.value.message and "Deactivate it instead." in exc.value.message
    with read_session() as s:
        assert s.get(CatalogEntry, funding.id) is not None


@pytest.mark.parametrize("kind", ["", "customers", None, 3])
def test_unknown_catalogs_are_refused(actor_for, kind):
    with write_session() as s, pytest.raises(NotFound):
        svc.add_entry(s, actor_for("admin@example.com"), kind, "X")
