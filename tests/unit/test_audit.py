"""The audit trail: written with the change in one transaction, secrets masked, denials and sign-ins recorded."""

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from stapp.db.engine import read_session, write_session
from stapp.db.models import AuditEvent, FinanceProvider, Funding, FundingTransaction
from stapp.db.types import utcnow
from stapp.domain.errors import NotSignedIn, PermissionDenied
from stapp.services import audit_log, auth, financing_setup
from stapp.services import funding as funding_svc


def _events(action=None):
    with read_session() as s:
        q = select(AuditEvent)
        if action:
            q = q.where(AuditEvent.action == action)
        return s.exec(q.order_by(AuditEvent.id)).all()


def _tx_form():
    with read_session() as s:
        from stapp.db.models import CatalogEntry
        tx_type = s.exec(select(CatalogEntry).where(CatalogEntry.name == "Funding")).one()
    return {"type_id": str(tx_type.id), "transaction_date": "2026-05-01", "amount": "125.00"}


def test_a_change_and_its_audit_row_commit_together_or_not_at_all(actor_for):
    acct = actor_for("accounting@example.com")
    with read_session() as s:
        funding = s.exec(select(Funding)).first()
    with pytest.raises(RuntimeError), write_session() as s:
        funding_svc.add_transaction(s, acct, funding.id, _tx_form())
        raise RuntimeError("the database transaction fails after the change")
    assert _events("funding_transaction.created") == []
    with write_session() as s:
        tx = funding_svc.add_transaction(s, acct, funding.id, _tx_form())
    [event] = _events("funding_transaction.created")
    assert (event.user_email, event.entity_id, event.customer_id, event.location_id) == (
        "accounting@example.com", str(tx.id), funding.customer_id, funding.location_id)
    assert '"amount_cents": 12500' in event.after_json


def test_secrets_are_masked_and_a_replaced_token_is_only_flagged(actor_for):
    admin = actor_for("admin@example.com")
    with read_session() as s:
        provider = s.exec(select(FinanceProvider)).first()
    with write_session() as s:
        financing_setup.save_provider(s, admin, provider.id, {"name": "SHP", "environment": "Staging",
                                                             "bearer_token": "super-secret-token-1", "active": "on"})
    [event] = _events("provider.changed")
    assert "super-secret-token-1" not in event.before_json + event.after_json
    assert '"token_replaced": true' in event.after_json
    with read_session() as s:
        assert all("super-secret-token-1" not in e.after_json + e.before_json for e in s.exec(select(AuditEvent)))


def test_sign_ins_and_sign_outs_are_recorded_and_failures_lock_the_email_for_a_while(db):
    with write_session() as s:
        token = auth.sign_in(s, "sales@example.com", "stapp-sales")
    with write_session() as s:
        auth.sign_out(s, token)
    assert [e.action for e in _events()][-2:] == ["auth.signed_in", "auth.signed_out"]
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises(NotSignedIn), write_session() as s:
            auth.sign_in(s, "sales@example.com", "wrong")
        auth.record_failure("sales@example.com")
    with pytest.raises(NotSignedIn) as exc, write_session() as s:
        auth.sign_in(s, "sales@example.com", "stapp-sales")  # even the right password waits
    assert exc.value.message == auth.LOCKED_OUT
    for _ in range(auth.MAX_FAILURES):  # an unknown email is treated the same: nothing is revealed
        auth.record_failure("nobody@example.com")
    with pytest.raises(NotSignedIn, match="Too many"), write_session() as s:
        auth.sign_in(s, "nobody@example.com", "x")
    later = utcnow() + auth.LOCKOUT + timedelta(seconds=1)
    with write_session() as s:
        assert auth.sign_in(s, "sales@example.com", "stapp-sales", now=later)


def test_a_denied_handler_call_is_recorded(db):
    import reflex as rx

    import stapp.stapp  # noqa: F401
    from stapp.state.admin import UsersState

    with write_session() as s:
        token = auth.sign_in(s, "sales@example.com", "stapp-sales")
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(UsersState.get_full_name().split("."))
    state.session_token = token
    state.save({"name": "Mallory", "email": "mallory@example.com", "password": "password123"})
    [event] = _events("permission.denied")
    assert event.user_email == "sales@example.com" and event.outcome == "denied"
    assert "Users and Groups: Manage" in event.after_json


def test_the_audit_log_is_for_users_and_groups_manage_and_filters_by_action(actor_for):
    with write_session() as s:
        auth.sign_in(s, "sales@example.com", "stapp-sales")
    admin = actor_for("admin@example.com")
    with read_session() as s:
        with pytest.raises(PermissionDenied):
            audit_log.events(s, actor_for("sales@example.com"), audit_log.query_for(s, {}))
        page = audit_log.events(s, admin, audit_log.query_for(s, {"actions": "auth.signed_in"}))
        csv_text = "".join(audit_log.export_csv(s, admin, audit_log.query_for(s, {"actions": "auth.signed_in"})))
    assert page.total == 1 and page.rows[0]["user"] == "sales@example.com"
    assert csv_text.count("auth.signed_in") == 1


def test_application_status_changes_are_audited_with_their_source(actor_for):
    from stapp.db.models import FinanceApplication
    from stapp.domain.financing import AppStatus
    from stapp.services.applications import _set_status

    with write_session() as s:
        app = s.exec(select(FinanceApplication).where(FinanceApplication.status == "In Review")).first()
        _set_status(s, app, AppStatus.APPROVED, "webhook")
    [event] = _events("application.status_changed")
    assert event.source == "webhook" and '"Approved"' in event.after_json and event.customer_id == app.customer_id
    with read_session() as s:
        assert s.exec(select(func.count()).select_from(FundingTransaction)).one() > 0
