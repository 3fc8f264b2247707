"""Consumer-financing applications against a real (SQLite) database, without a network.

Saving before calling, de-duplication, permissions, applying provider answers in version order,
webhooks (signature, age, replay, order), what the reconciler picks up, and the provider setup.
"""

import json
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from stapp.db import crypto
from stapp.db.engine import read_session, write_session
from stapp.db.models import AddOn, ApplicationEvent, Customer, FinanceApplication, FinanceProvider, Location
from stapp.db.types import utcnow
from stapp.domain.errors import NotFound, PermissionDenied, ValidationFailed
from stapp.domain.financing import ADDON_CONSUMER_FINANCING, AppStatus
from stapp.provider.client import close_http_client
from stapp.provider.webhooks import signature_headers
from stapp.provider.wire import ApplicationResult
from stapp.services import applications as svc
from stapp.services import financing_setup
from tests.fake_provider import TOKEN, FakeProvider, application_json

SECRET = "test-webhook-secret"
SSN = "123-45-6789"


# --- helpers ------------------------------------------------------------------------------------


def _customer(location):
    with read_session() as s:
        loc = s.exec(select(Location).where(Location.name == location)).one()
        return s.exec(select(Customer).where(Customer.location_id == loc.id).order_by(Customer.id)).first()


def _form(**over):
    data = {
        "first_name": "Pat", "last_name": "Smith", "email": "pat@example.com", "phone": "512-555-0100",
        "date_of_birth": "1980-05-17", "ssn": SSN, "address_line1": "1 Main St", "city": "Austin", "state": "TX",
        "zip_code": "78701", "annual_income": "85000.00", "employer": "Acme Alarm Co",
        "amount_requested": "12345.50", "consent": True,
    }  # fmt: skip
    data.update(over)
    return data


def _key(n=1):
    return f"draftkey{n:024d}"


def _prepare(actor, customer_id, data=None, key=None, **kw):
    with write_session() as s:
        return svc.prepare(s, actor, customer_id, data or _form(), key or _key(), **kw)


def _app(app_id):
    with read_session() as s:
        return s.get(FinanceApplication, app_id)


def _events(app_id):
    with read_session() as s:
        rows = s.exec(
            select(ApplicationEvent).where(ApplicationEvent.application_id == app_id).order_by(ApplicationEvent.id)
        ).all()
        return [(e.field_name, e.from_value, e.to_value, e.source) for e in rows]


def _count_apps():
    with read_session() as s:
        return s.exec(select(func.count()).select_from(FinanceApplication)).one()


def _result(app, **over):
    return ApplicationResult.from_json(application_json(id="shp_app_00000000000000aa", reference=app.reference, **over))


def _apply(app_id, result, source="webhook"):
    with write_session() as s:
        app = s.get(FinanceApplication, app_id)
        return svc.apply_result(s, app, result, source)


def _set(app_id, **values):
    with write_session() as s:
        app = s.get(FinanceApplication, app_id)
        for name, value in values.items():
            setattr(app, name, value)
        s.add(app)


def _event_body(app, event_id="evt_1", **over):
    payload = {
        "event_id": event_id,
        "type": "application.updated",
        "application": application_json(id="shp_app_00000000000000aa", reference=app.reference, **over),
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def _deliver(body, *, age_s=0, secret=SECRET, now=None):
    now = now or utcnow()
    headers = signature_headers(secret, int(now.timestamp()) - age_s, body)
    return svc.handle_webhook(headers, body, now=now)


@pytest.fixture
def admin(actor_for):
    return actor_for("admin@example.com")


@pytest.fixture
def sales(actor_for):
    return actor_for("sales@example.com")


@pytest.fixture
def austin():
    return _customer("Austin")


@pytest.fixture
def prepared(sales, austin):
    app_id, created = _prepare(sales, austin.id)
    assert created
    return app_id


# --- prepare ----------------------------------------------------------------------------------


def test_prepare_saves_a_submitting_application_with_an_encrypted_ssn_and_a_history_row(sales, austin):
    before = _count_apps()
    app_id, created = _prepare(sales, austin.id)

    assert created is True
    assert _count_apps() == before + 1
    app = _app(app_id)
    assert app.status == AppStatus.SUBMITTING.value
    assert app.customer_id == austin.id and app.location_id == austin.location_id
    assert app.idempotency_key == _key()
    assert app.reference.startswith("stapp-")
    assert app.created_by_id == sales.user_id
    assert app.amount_requested_cents == 1_234_550 and app.annual_income_cents == 8_500_000
    assert app.date_of_birth == date(1980, 5, 17)
    assert app.ssn_last4 == "6789"
    assert "123456789" not in app.ssn_ciphertext and "6789" not in app.ssn_ciphertext
    assert crypto.decrypt(app.ssn_ciphertext) == "123456789"
    assert app.co_ssn_ciphertext == "" and app.co_ssn_last4 == ""
    # saved to be sent at once: the save counts the first attempt, so the first send writes no claim
    assert app.provider_app_id is None and app.submit_attempts == 1 and app.submitted_at == app.created_at
    assert _events(app_id) == [("status", "Not Submitted", "Submitting", "user")]


def test_prepare_with_a_co_applicant_encrypts_the_co_applicant_ssn_too(sales, austin):
    co = {
        "co_first_name": "Sam",
        "co_last_name": "Smith",
        "co_email": "sam@example.com",
        "co_phone": "512-555-0101",
        "co_date_of_birth": "1982-01-02",
        "co_ssn": "987-65-4321",
        "co_annual_income": "40000.00",
    }
    app_id, _ = _prepare(sales, austin.id, _form(**co))

    app = _app(app_id)
    assert app.co_ssn_last4 == "4321"
    assert "987654321" not in app.co_ssn_ciphertext
    assert crypto.decrypt(app.co_ssn_ciphertext) == "987654321"
    assert app.co_annual_income_cents == 4_000_000


def test_the_same_draft_key_twice_returns_the_same_application(sales, austin, prepared):
    before = _count_apps()
    again, created = _prepare(sales, austin.id, _form(amount_requested="999.00"))

    assert (again, created) == (prepared, False)
    assert _count_apps() == before
    assert _app(prepared).amount_requested_cents == 1_234_550
    assert len(_events(prepared)) == 1


def test_identical_content_from_a_second_tab_returns_the_first_application(sales, austin, prepared):
    before = _count_apps()
    second, created = _prepare(sales, austin.id, key=_key(2))

    assert (second, created) == (prepared, False)
    assert _count_apps() == before


def test_different_content_from_a_second_tab_is_a_new_application(sales, austin, prepared):
    second, created = _prepare(sales, austin.id, _form(amount_requested="5000.00"), key=_key(2))

    assert created is True and second != prepared


def test_identical_content_after_a_decline_is_a_new_application(sales, austin, prepared):
    _set(prepared, status=AppStatus.DECLINED.value)
    second, created = _prepare(sales, austin.id, key=_key(2))

    assert created is True and second != prepared


def test_a_draft_key_of_another_customer_is_refused(sales, austin, prepared):
    with read_session() as s:
        other = s.exec(
            select(Customer).where(Customer.location_id == austin.location_id, Customer.id != austin.id)
        ).first()
    with pytest.raises(ValidationFailed):
        _prepare(sales, other.id)


@pytest.mark.parametrize("key", [None, "", "short", "has-dash-0000000000000", "x" * 65, 12345678901234567890])
def test_a_missing_or_malformed_draft_key_is_refused_and_nothing_saved(sales, austin, key):
    before = _count_apps()
    with pytest.raises(ValidationFailed):
        with write_session() as s:
            svc.prepare(s, sales, austin.id, _form(), key)
    assert _count_apps() == before


def test_an_invalid_form_is_refused_and_nothing_saved(sales, austin):
    before = _count_apps()
    with pytest.raises(ValidationFailed) as info:
        _prepare(sales, austin.id, _form(ssn="12-34", consent=False))
    assert set(info.value.errors) == {"ssn", "consent"}
    assert _count_apps() == before


def test_prepare_is_refused_when_the_addon_is_disabled_and_nothing_is_saved(admin, sales, austin):
    with write_session() as s:
        financing_setup.set_addon(s, admin, False)
    before = _count_apps()

    with pytest.raises(PermissionDenied, match="disabled"):
        _prepare(sales, austin.id)
    assert _count_apps() == before


def test_prepare_is_refused_when_no_provider_is_active_and_nothing_is_saved(sales, austin):
    with write_session() as s:
        for provider in s.exec(select(FinanceProvider)).all():
            provider.active = False
            s.add(provider)
    before = _count_apps()

    with pytest.raises(PermissionDenied, match="active provider"):
        _prepare(sales, austin.id)
    assert _count_apps() == before


def test_sales_cannot_prepare_for_a_dallas_customer(sales):
    before = _count_apps()
    with pytest.raises(NotFound):
        _prepare(sales, _customer("Dallas").id)
    assert _count_apps() == before


def test_accounting_without_manage_cannot_prepare_anywhere(actor_for, austin):
    accounting = actor_for("accounting@example.com")
    before = _count_apps()
    for customer_id in (austin.id, _customer("Dallas").id):
        with pytest.raises((NotFound, PermissionDenied)):
            _prepare(accounting, customer_id)
    assert _count_apps() == before


def test_admin_can_prepare_for_any_location(admin):
    app_id, created = _prepare(admin, _customer("Dallas").id)
    assert created and _app(app_id).location_id == _customer("Dallas").location_id


# --- apply_result -----------------------------------------------------------------------------


def test_a_result_is_applied_with_its_details_and_history_naming_the_source(prepared):
    app = _app(prepared)
    changed = _apply(prepared, _result(app, status="approved", stage="decisioned", version=2))

    assert changed is True
    app = _app(prepared)
    assert app.status == AppStatus.APPROVED.value
    assert app.stage == "decisioned"
    assert app.provider_app_id == "shp_app_00000000000000aa"
    assert app.provider_version == 2
    assert app.amount_financed_cents == 2_500_000
    assert app.finance_type == "installment"
    assert app.account_number == "SHP000000001"
    assert json.loads(app.plans_json) == [
        {"code": "INST-36", "description": "36 months", "finance_type": "installment"}
    ]
    assert app.decided_at is not None
    assert _events(prepared)[1:] == [
        ("status", "Submitting", "Approved", "webhook"),
        ("stage", "Not Submitted", "Decisioned", "webhook"),
    ]


def test_an_older_version_is_ignored_after_a_newer_one(prepared):
    app = _app(prepared)
    assert _apply(prepared, _result(app, status="approved", stage="contract_sent", version=3), "poller")
    events = _events(prepared)

    assert _apply(prepared, _result(app, status="in_review", stage="underwriting", version=2)) is False
    assert _apply(prepared, _result(app, status="declined", stage="decisioned", version=3)) is False

    app = _app(prepared)
    assert (app.status, app.stage, app.provider_version) == ("Approved", "contract_sent", 3)
    assert _events(prepared) == events


def test_in_review_then_approved_records_both_moves_and_the_stage_changes(prepared):
    app = _app(prepared)
    _apply(
        prepared,
        _result(
            app,
            status="in_review",
            stage="underwriting",
            amount_financed=None,
            finance_type=None,
            account_number=None,
            plans=[],
            version=1,
        ),
    )
    assert _app(prepared).decided_at is None
    _apply(prepared, _result(app, status="approved", stage="decisioned", version=2))

    assert _events(prepared)[1:] == [
        ("status", "Submitting", "In Review", "webhook"),
        ("stage", "Not Submitted", "Underwriting", "webhook"),
        ("status", "In Review", "Approved", "webhook"),
        ("stage", "Underwriting", "Decisioned", "webhook"),
    ]
    assert _app(prepared).decided_at is not None


def test_an_illegal_move_from_not_submitted_to_a_decision_is_ignored(prepared):
    _set(prepared, status=AppStatus.NOT_SUBMITTED.value)
    events = _events(prepared)

    assert _apply(prepared, _result(_app(prepared), status="approved", version=1)) is False
    app = _app(prepared)
    assert app.status == AppStatus.NOT_SUBMITTED.value
    assert app.provider_version == 0 and app.provider_app_id is None
    assert _events(prepared) == events


def test_an_answer_naming_another_provider_id_is_ignored(prepared):
    app = _app(prepared)
    _apply(prepared, _result(app, status="in_review", version=1))
    other = ApplicationResult.from_json(
        application_json(id="shp_app_00000000000000bb", reference=app.reference, status="declined", version=5)
    )
    assert _apply(prepared, other) is False
    assert _app(prepared).status == AppStatus.IN_REVIEW.value


_SAME = ("status", "stage", "provider_app_id", "provider_version", "amount_financed_cents", "finance_type",
         "account_number", "plans_json", "prequal_url", "decline_reason", "last_error")


@pytest.mark.parametrize("answers", [
    [dict(status="approved", stage="decisioned", version=1)],
    [dict(status="in_review", stage="underwriting", version=1), dict(status="approved", stage="funded", version=2)],
    [dict(status="prequalified", stage="decisioned", version=2), dict(status="declined", stage="decisioned", version=1)],
])
def test_the_orm_and_the_row_forms_of_applying_an_answer_change_the_same(sales, austin, answers):
    """_finish and webhooks apply answers with one UPDATE built once; apply_result does it on the model. The same
    answers must leave both applications, their history and their audit rows alike."""
    from stapp.db.models import AuditEvent

    one, _ = _prepare(sales, austin.id, key=_key(1))
    two, _ = _prepare(sales, austin.id, _form(amount_requested="999.00"), key=_key(2))
    for answer in answers:
        _apply(one, _result(_app(one), **answer), "poller")
        with write_session() as s:
            row = svc.run(s, svc._RESULT_BY_ID, {"app_id": two}).first()
            svc._apply_to_row(s, row, _result(_app(two), **answer), "poller")
    a, b = _app(one), _app(two)
    assert [getattr(a, f) for f in _SAME] == [getattr(b, f) for f in _SAME]
    assert (a.decided_at is None) == (b.decided_at is None) and a.updated_at > a.created_at
    assert _events(one) == _events(two)
    with read_session() as s:
        audits = [[(e.action, e.before_json, e.after_json, e.source, e.customer_id, e.location_id) for e in
                   s.exec(select(AuditEvent).where(AuditEvent.entity == "application", AuditEvent.entity_id == str(i))
                          .order_by(AuditEvent.id))] for i in (one, two)]
    assert audits[0] == audits[1] and len(audits[0]) == len(_events(one))


async def test_a_submission_and_its_webhook_write_through_statements_built_once(sales, austin, fake_provider):
    """Saving, claiming, recording the answer and a webhook flush no ORM model (building and flushing models
    cost most of a submission's CPU), yet leave the same rows."""
    from sqlalchemy import event
    from sqlmodel import Session

    flushed = []

    def _on_flush(session, _context, _instances):
        flushed.extend(type(o).__name__ for o in [*session.new, *session.dirty, *session.deleted])

    event.listen(Session, "before_flush", _on_flush)
    try:
        app_id, _ = _prepare(sales, austin.id)
        await svc.submit(app_id, claimed=True)
        app = _app(app_id)
        body = json.dumps({"event_id": "evt_built_once", "type": "application.updated", "application": application_json(
            id=app.provider_app_id, reference=app.reference, status="approved", stage="funded",
            version=app.provider_version + 1)}).encode()
        status, message = _deliver(body)
    finally:
        event.remove(Session, "before_flush", _on_flush)
    assert flushed == []
    assert (status, message) == (200, "applied")
    app = _app(app_id)
    assert (app.status, app.stage, app.submit_attempts) == ("Approved", "funded", 1)
    assert _events(app_id) == [("status", "Not Submitted", "Submitting", "user"),
                               ("status", "Submitting", "Approved", "user"),
                               ("stage", "Not Submitted", "Decisioned", "user"),
                               ("stage", "Decisioned", "Funded", "webhook")]


# --- webhooks ---------------------------------------------------------------------------------


def test_a_signed_webhook_is_applied(prepared):
    status, message = _deliver(_event_body(_app(prepared), status="approved", version=1))

    assert (status, message) == (200, "applied")
    app = _app(prepared)
    assert app.status == AppStatus.APPROVED.value and app.provider_version == 1
    assert ("status", "Submitting", "Approved", "webhook") in _events(prepared)


@pytest.mark.parametrize("secret", ["wrong-secret", ""])
def test_a_webhook_with_a_bad_signature_is_refused_and_changes_nothing(prepared, secret):
    status, message = _deliver(_event_body(_app(prepared), status="approved"), secret=secret)

    assert status == 400 and "bad_signature" in message
    assert _app(prepared).status == AppStatus.SUBMITTING.value
    assert len(_events(prepared)) == 1


def test_a_webhook_whose_body_was_changed_after_signing_is_refused(prepared):
    body = _event_body(_app(prepared), status="declined")
    now = utcnow()
    headers = signature_headers(SECRET, int(now.timestamp()), body)
    tampered = body.replace(b'"declined"', b'"approved"')

    assert svc.handle_webhook(headers, tampered, now=now)[0] == 400
    assert _app(prepared).status == AppStatus.SUBMITTING.value


def test_a_webhook_without_signature_headers_is_refused(prepared):
    assert svc.handle_webhook({}, _event_body(_app(prepared)), now=utcnow())[0] == 400
    assert _app(prepared).status == AppStatus.SUBMITTING.value


def test_a_webhook_older_than_five_minutes_is_refused(prepared):
    status, message = _deliver(_event_body(_app(prepared), status="approved"), age_s=301)

    assert status == 400 and "stale_timestamp" in message
    assert _app(prepared).status == AppStatus.SUBMITTING.value


def test_a_webhook_stamped_more_than_five_minutes_ahead_is_refused(prepared):
    status, message = _deliver(_event_body(_app(prepared), status="approved"), age_s=-301)

    assert status == 400 and "future_timestamp" in message
    assert _app(prepared).status == AppStatus.SUBMITTING.value


def test_a_webhook_just_under_five_minutes_old_is_accepted(prepared):
    assert _deliver(_event_body(_app(prepared), status="approved"), age_s=290)[0] == 200
    assert _app(prepared).status == AppStatus.APPROVED.value


def test_a_replayed_event_id_is_ignored_and_applied_once(prepared):
    app = _app(prepared)
    assert _deliver(_event_body(app, event_id="evt_once", status="in_review", stage="underwriting", version=1)) == (
        200,
        "applied",
    )
    events = _events(prepared)
    # The same event id again, even with other content, changes nothing.
    replay = _event_body(app, event_id="evt_once", status="approved", version=2)
    assert _deliver(replay) == (200, "duplicate ignored")

    assert _app(prepared).status == AppStatus.IN_REVIEW.value
    assert _events(prepared) == events


def test_a_webhook_for_an_unknown_application_is_acknowledged_and_ignored(prepared):
    body = json.dumps(
        {
            "event_id": "evt_unknown",
            "type": "application.updated",
            "application": application_json(id="shp_app_ffffffffffffffff", reference="stapp-nope"),
        }
    ).encode()
    before = _count_apps()

    assert _deliver(body) == (200, "unknown application ignored")
    assert _count_apps() == before
    assert _app(prepared).status == AppStatus.SUBMITTING.value


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'{"event_id": "e", "type": "t"}',
        b'{"event_id": "e", "type": "t", "application": {"id": "x"}}',
    ],
)
def test_a_malformed_webhook_is_refused(prepared, body):
    status, message = _deliver(body)
    assert status == 400 and message.startswith("rejected")
    assert _app(prepared).status == AppStatus.SUBMITTING.value


def test_webhooks_out_of_order_end_in_the_newest_version(prepared):
    app = _app(prepared)
    assert (
        _deliver(_event_body(app, event_id="evt_3", status="approved", stage="contract_signed", version=3))[1]
        == "applied"
    )
    assert _deliver(_event_body(app, event_id="evt_2", status="in_review", stage="underwriting", version=2)) == (
        200,
        "stale ignored",
    )

    app = _app(prepared)
    assert (app.status, app.stage, app.provider_version) == ("Approved", "contract_signed", 3)
    assert [e for e in _events(prepared) if e[2] in ("In Review", "Underwriting")] == []


def test_a_webhook_finds_the_application_by_provider_id_once_known(prepared):
    app = _app(prepared)
    _apply(prepared, _result(app, status="in_review", version=1))
    body = json.dumps(
        {
            "event_id": "evt_by_id",
            "type": "application.updated",
            "application": application_json(
                id="shp_app_00000000000000aa", reference="echo-differs", status="approved", version=2
            ),
        }
    ).encode()
    assert _deliver(body) == (200, "applied")
    assert _app(prepared).status == AppStatus.APPROVED.value


# --- what the reconciler picks up ---------------------------------------------------------------


def test_due_for_reconcile_picks_old_outcome_unknown_and_stale_submitting_only(sales, austin):
    now = utcnow()
    ids = {}
    cases = {
        "unknown_old": (AppStatus.OUTCOME_UNKNOWN, timedelta(seconds=11), None),
        "unknown_fresh": (AppStatus.OUTCOME_UNKNOWN, timedelta(seconds=5), None),
        "submitting_stale": (AppStatus.SUBMITTING, timedelta(seconds=46), None),
        "submitting_fresh": (AppStatus.SUBMITTING, timedelta(seconds=30), None),
        "review_old": (AppStatus.IN_REVIEW, timedelta(seconds=31), "shp_app_00000000000000c1"),
        "review_fresh": (AppStatus.IN_REVIEW, timedelta(seconds=5), "shp_app_00000000000000c2"),
        "review_unsent": (AppStatus.IN_REVIEW, timedelta(hours=1), None),
        "approved_old": (AppStatus.APPROVED, timedelta(hours=1), "shp_app_00000000000000c3"),
        "not_submitted_old": (AppStatus.NOT_SUBMITTED, timedelta(hours=1), None),
    }
    for n, (name, (status, age, provider_id)) in enumerate(cases.items(), start=10):
        app_id, _ = _prepare(sales, austin.id, _form(amount_requested=f"{1000 + n}.00"), key=_key(n))
        _set(app_id, status=status.value, updated_at=now - age, provider_app_id=provider_id)
        ids[name] = app_id

    with read_session() as s:
        due = svc.due_for_reconcile(s, now)

    assert set(due) == {ids["unknown_old"], ids["submitting_stale"], ids["review_old"]}
    # Oldest first.
    # unknown outcomes (and stale submissions) come first, each group in its own budget
    assert due == [ids["submitting_stale"], ids["unknown_old"], ids["review_old"]]


def test_due_for_reconcile_finds_nothing_in_the_demo_data(db):
    with read_session() as s:
        assert svc.due_for_reconcile(s, utcnow()) == []


# --- submit and reconcile against an in-memory provider -----------------------------------------


@pytest.fixture
async def fake_provider(monkeypatch):
    fake = FakeProvider(TOKEN)
    http = httpx.AsyncClient(transport=httpx.MockTransport(fake))
    monkeypatch.setattr(financing_setup, "get_http_client", lambda: http)
    yield fake
    await http.aclose()
    await close_http_client()


@pytest.mark.parametrize("claimed", [True, False], ids=["first-send", "resend"])
async def test_submit_records_the_providers_answer_and_sends_the_stored_key(prepared, fake_provider, claimed):
    await svc.submit(prepared, claimed=claimed)

    app = _app(prepared)
    assert app.status == AppStatus.APPROVED.value
    assert app.provider_app_id == fake_provider.by_key[_key()]
    # the save counted the first send; a send that is not the saved application's first counts one more
    assert app.submit_attempts == (1 if claimed else 2) and app.submitted_at is not None
    assert fake_provider.attempts[_key()] == 1
    sent = fake_provider.apps[app.provider_app_id]
    assert sent["reference"] == app.reference


def _counting_writes(monkeypatch) -> list[str]:
    """Names of the functions of ``applications`` that opened a write session, in order."""
    import sys

    opened: list[str] = []
    real = svc.write_session

    def counting(*args, **kwargs):
        opened.append(sys._getframe(1).f_code.co_name)
        return real(*args, **kwargs)

    monkeypatch.setattr(svc, "write_session", counting)
    return opened


async def test_the_first_send_of_a_saved_application_writes_once_its_answer(prepared, fake_provider, monkeypatch):
    writes = _counting_writes(monkeypatch)
    await svc.submit(prepared, claimed=True)
    assert writes == ["_finish"]  # no claim: the save counted the attempt
    assert _app(prepared).status == AppStatus.APPROVED.value


async def test_a_first_send_of_an_application_no_longer_submitting_sends_nothing(prepared, fake_provider):
    _set(prepared, status=AppStatus.APPROVED.value)
    await svc.submit(prepared, claimed=True)
    assert fake_provider.attempts == {} and _app(prepared).status == AppStatus.APPROVED.value


async def test_a_submission_the_provider_refuses_is_not_submitted_with_the_reason(prepared, fake_provider):
    fake_provider.token = "another-token"  # the provider answers 401: it recorded nothing
    await svc.submit(prepared)

    app = _app(prepared)
    assert app.status == AppStatus.NOT_SUBMITTED.value
    assert app.last_error
    assert ("status", "Submitting", "Not Submitted", "user") in _events(prepared)


async def test_no_answer_is_outcome_unknown_and_reconcile_resolves_it_without_a_second_application(
    prepared, monkeypatch
):
    fake = FakeProvider(TOKEN)

    def drop_answer(request):
        response = fake(request)  # the provider records it ...
        if request.method == "POST":
            raise httpx.ReadTimeout("no answer", request=request)  # ... but the answer never arrives
        return response

    http = httpx.AsyncClient(transport=httpx.MockTransport(drop_answer))
    monkeypatch.setattr(financing_setup, "get_http_client", lambda: http)
    try:
        await svc.submit(prepared)
        assert _app(prepared).status == AppStatus.OUTCOME_UNKNOWN.value
        assert _app(prepared).last_error

        await svc.reconcile(prepared)
    finally:
        await http.aclose()

    app = _app(prepared)
    assert app.status == AppStatus.APPROVED.value
    assert app.last_error == ""
    assert len(fake.apps) == 1 and fake.attempts[_key()] == 1
    assert ("status", "Outcome Unknown", "Approved", "poller") in _events(prepared)


async def test_a_webhook_decision_during_the_call_is_not_undone_when_the_answer_then_times_out(prepared, monkeypatch):
    fake = FakeProvider(TOKEN)

    def webhook_first_then_no_answer(request):
        response = fake(request)
        if request.method == "POST":
            # The provider's webhook arrives before its (lost) HTTP answer would have.
            sent = fake.apps[fake.by_key[_key()]]
            body = json.dumps({"event_id": "evt_race", "type": "application.updated", "application": sent}).encode()
            assert _deliver(body) == (200, "applied")
            raise httpx.ReadTimeout("no answer", request=request)
        return response

    http = httpx.AsyncClient(transport=httpx.MockTransport(webhook_first_then_no_answer))
    monkeypatch.setattr(financing_setup, "get_http_client", lambda: http)
    try:
        await svc.submit(prepared)
    finally:
        await http.aclose()

    assert _app(prepared).status == AppStatus.APPROVED.value
    assert [e for e in _events(prepared) if e[0] == "status"] == [
        ("status", "Not Submitted", "Submitting", "user"),
        ("status", "Submitting", "Approved", "webhook"),
    ]


async def test_reconcile_resends_an_outcome_unknown_application_the_provider_never_recorded(prepared, fake_provider):
    _set(prepared, status=AppStatus.OUTCOME_UNKNOWN.value)
    await svc.reconcile(prepared)

    assert _app(prepared).status == AppStatus.APPROVED.value
    assert fake_provider.attempts[_key()] == 1 and len(fake_provider.apps) == 1


async def test_reconcile_never_sends_an_application_the_provider_refused(prepared, fake_provider):
    _set(prepared, status=AppStatus.NOT_SUBMITTED.value)
    await svc.reconcile(prepared)

    assert _app(prepared).status == AppStatus.NOT_SUBMITTED.value
    assert fake_provider.attempts == {}


async def test_many_long_lived_prequalified_applications_do_not_starve_an_outcome_unknown_one(
    sales, austin, fake_provider
):
    old = utcnow() - timedelta(hours=1)
    for n in range(50):
        app_id, _ = _prepare(sales, austin.id, _form(amount_requested=f"{2000 + n}.00"), key=_key(100 + n))
        provider_id = f"shp_app_{n:016x}"
        fake_provider.apps[provider_id] = application_json(
            id=provider_id,
            reference=_app(app_id).reference,
            status="prequalified",
            stage="decisioned",
            amount_financed=None,
            finance_type=None,
            account_number=None,
            plans=[],
            prequal_url=f"https://sandbox.smarthomepay.example/prequal/{provider_id}",
            version=1,
        )
        _set(
            app_id, status=AppStatus.PREQUALIFIED.value, provider_app_id=provider_id, provider_version=1, updated_at=old
        )
    unknown, _ = _prepare(sales, austin.id, key=_key(99))
    _set(unknown, status=AppStatus.OUTCOME_UNKNOWN.value, updated_at=utcnow() - timedelta(seconds=20))

    for _ in range(3):  # three reconciler passes
        await svc.reconcile_due()

    assert _app(unknown).status == AppStatus.APPROVED.value


async def test_submit_of_a_decided_application_does_nothing(prepared, fake_provider):
    _set(prepared, status=AppStatus.DECLINED.value)
    await svc.submit(prepared)
    assert _app(prepared).status == AppStatus.DECLINED.value
    assert fake_provider.attempts == {}


# --- detail -----------------------------------------------------------------------------------


def test_detail_shows_only_the_last_four_ssn_digits_and_the_history(sales, prepared):
    with read_session() as s:
        shown = svc.detail(s, sales, prepared)
    assert shown["ssn"].endswith("6789") and "12345" not in json.dumps(shown, default=str)
    assert shown["status"] == "Submitting"
    assert [(h["field"], h["from"], h["to"], h["source"]) for h in shown["history"]] == [
        ("Status", "Not Submitted", "Submitting", "user")
    ]


def test_detail_of_a_dallas_application_is_not_found_for_sales_but_shown_to_accounting(actor_for, admin):
    app_id, _ = _prepare(admin, _customer("Dallas").id)
    with read_session() as s:
        with pytest.raises(NotFound):
            svc.detail(s, actor_for("sales@example.com"), app_id)
        assert svc.detail(s, actor_for("accounting@example.com"), app_id)["id"] == app_id


# --- the add-on and the provider setup --------------------------------------------------------


def _addon():
    with read_session() as s:
        return s.get(AddOn, ADDON_CONSUMER_FINANCING)


def test_sales_cannot_change_the_addon(sales):
    with pytest.raises(PermissionDenied):
        with write_session() as s:
            financing_setup.set_addon(s, sales, False)
    assert _addon().enabled is True


def test_admin_disabling_the_addon_records_who_and_when(admin):
    with write_session() as s:
        financing_setup.set_addon(s, admin, False)
    row = _addon()
    assert row.enabled is False and row.changed_by_id == admin.user_id
    assert utcnow() - row.changed_at < timedelta(minutes=1)
    with read_session() as s:
        assert financing_setup.financing_available(s) is False


def test_a_non_boolean_addon_value_is_refused(admin):
    with pytest.raises(PermissionDenied):
        with write_session() as s:
            financing_setup.set_addon(s, admin, "false")
    assert _addon().enabled is True


def _provider_form(**over):
    data = {"name": "SHP Staging", "environment": "Staging", "bearer_token": "tok-staging-123", "active": "on"}
    data.update(over)
    return data


def _providers():
    with read_session() as s:
        return s.exec(select(FinanceProvider).order_by(FinanceProvider.id)).all()


@pytest.mark.parametrize("email", ["sales@example.com", "accounting@example.com"])
def test_only_integrations_permissions_can_create_or_edit_a_provider(actor_for, email):
    actor = actor_for(email)
    existing = _providers()
    for provider_id in (None, existing[0].id):
        with pytest.raises(PermissionDenied):
            with write_session() as s:
                financing_setup.save_provider(s, actor, provider_id, _provider_form())
    after = _providers()
    assert [(p.id, p.name, p.token_ciphertext) for p in after] == [(p.id, p.name, p.token_ciphertext) for p in existing]


def test_a_new_provider_stores_its_token_encrypted(admin):
    token = "tok-staging-123"
    with write_session() as s:
        provider_id = financing_setup.save_provider(s, admin, None, _provider_form(bearer_token=token)).id

    with read_session() as s:
        saved = s.get(FinanceProvider, provider_id)
    assert (saved.name, saved.environment, saved.active) == ("SHP Staging", "Staging", True)
    assert saved.token_ciphertext != token and token not in saved.token_ciphertext
    assert crypto.decrypt(saved.token_ciphertext) == token


def test_a_blank_token_on_edit_keeps_the_saved_token(admin):
    provider_id = _providers()[0].id
    old = _providers()[0].token_ciphertext
    with write_session() as s:
        financing_setup.save_provider(s, admin, provider_id, _provider_form(name="Renamed", bearer_token="   "))

    with read_session() as s:
        saved = s.get(FinanceProvider, provider_id)
    assert saved.name == "Renamed" and saved.environment == "Staging"
    assert saved.token_ciphertext == old


def test_a_new_token_on_edit_replaces_the_saved_one(admin):
    provider = _providers()[0]
    with write_session() as s:
        financing_setup.save_provider(s, admin, provider.id, _provider_form(bearer_token="tok-rotated-456"))

    with read_session() as s:
        saved = s.get(FinanceProvider, provider.id)
    assert saved.token_ciphertext != provider.token_ciphertext
    assert "tok-rotated-456" not in saved.token_ciphertext
    assert crypto.decrypt(saved.token_ciphertext) == "tok-rotated-456"


def test_creating_a_provider_without_a_token_is_refused_and_nothing_saved(admin):
    before = len(_providers())
    with pytest.raises(ValidationFailed) as info:
        with write_session() as s:
            financing_setup.save_provider(s, admin, None, _provider_form(bearer_token=""))
    assert set(info.value.errors) == {"bearer_token"}
    assert len(_providers()) == before


def test_editing_a_provider_that_does_not_exist_is_not_found(admin):
    with pytest.raises(NotFound):
        with write_session() as s:
            financing_setup.save_provider(s, admin, 999_999, _provider_form())


def test_listing_providers_never_shows_the_token(admin):
    with read_session() as s:
        rows = financing_setup.list_providers(s, admin)
    assert rows and all("token" not in key for row in rows for key in row)
    assert "shp-sandbox-token" not in json.dumps(rows, default=str)


def test_an_inactive_provider_leaves_financing_unavailable(admin):
    provider = _providers()[0]
    with write_session() as s:
        financing_setup.save_provider(
            s, admin, provider.id, _provider_form(environment="Development", bearer_token="", active=None)
        )
    with read_session() as s:
        assert financing_setup.active_providers(s) == []
        assert financing_setup.financing_available(s) is False


async def test_a_submission_hands_no_statement_to_a_worker_thread(prepared, fake_provider, monkeypatch):
    """Each hop to a thread and back cost more CPU than its statements (docs/decisions.md): the claim, the answer
    and the webhook run on the event loop."""
    import asyncio

    def no_thread(*_args, **_kwargs):
        raise AssertionError("a submission's statement was handed to a worker thread")

    monkeypatch.setattr(asyncio, "to_thread", no_thread)
    await svc.submit(prepared, claimed=True)
    await svc.submit(prepared)  # a resend: claimed, then the same answer again
    assert _app(prepared).status == AppStatus.APPROVED.value
