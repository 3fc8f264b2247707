"""Webhook signatures: what a receiver accepts and what it refuses."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from stapp.provider.webhooks import (
    APPLICATION_UPDATED,
    AUTHORIZATION_UPDATED,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SeenEvents,
    WebhookRejected,
    sign,
    signature_headers,
    verify,
)
from stapp.provider.wire import ApplicationStatus, AuthorizationStatus
from tests.fake_provider import application_json, authorization_json

SECRET = "whsec-test-1"
NOW = 1_750_000_000


def event_body(**application: object) -> bytes:
    return json.dumps(
        {"event_id": "evt_1", "type": "application.updated", "application": application_json(**application)}
    ).encode()


def test_a_correctly_signed_event_is_accepted_and_parsed():
    body = event_body(status="approved", version=3)

    event = verify(SECRET, signature_headers(SECRET, NOW, body), body, now=NOW)

    assert event.event_id == "evt_1"
    assert event.type == "application.updated"
    assert event.application.status is ApplicationStatus.APPROVED
    assert event.application.version == 3


def test_an_application_event_carries_no_authorization():
    body = event_body()

    event = verify(SECRET, signature_headers(SECRET, NOW, body), body, now=NOW)

    assert event.type == APPLICATION_UPDATED
    assert event.application is not None and event.authorization is None


def authorization_event_body(**authorization: object) -> bytes:
    return json.dumps(
        {"event_id": "evt_2", "type": "authorization.updated", "authorization": authorization_json(**authorization)}
    ).encode()


def test_an_authorization_event_is_accepted_with_the_authorization_and_no_application():
    body = authorization_event_body(status="approved", authorization_number="A00000042", version=2)

    event = verify(SECRET, signature_headers(SECRET, NOW, body), body, now=NOW)

    assert (event.event_id, event.type) == ("evt_2", AUTHORIZATION_UPDATED)
    assert event.application is None
    assert event.authorization is not None
    assert (event.authorization.status, event.authorization.authorization_number, event.authorization.version) == (
        AuthorizationStatus.APPROVED,
        "A00000042",
        2,
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"event_id": "evt_2", "type": "authorization.updated", "application": application_json()},
        {"event_id": "evt_2", "type": "authorization.updated", "authorization": authorization_json(status="maybe")},
        {"event_id": "evt_2", "type": "authorization.updated", "authorization": authorization_json(amount=10.0)},
        {"event_id": "evt_2", "type": "application.updated", "authorization": authorization_json()},
    ],
    ids=["application-in-authorization-event", "unknown-status", "float-amount", "authorization-in-application-event"],
)
def test_an_event_whose_object_does_not_match_its_type_is_malformed(payload):
    body = json.dumps(payload).encode()

    with pytest.raises(WebhookRejected) as caught:
        verify(SECRET, signature_headers(SECRET, NOW, body), body, now=NOW)

    assert caught.value.reason == "malformed_payload"


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    # A fixed vector: HMAC-SHA256("secret", '1700000000.{"a":1}'), so the scheme cannot drift unnoticed.
    assert sign("secret", 1700000000, b'{"a":1}') == (
        "v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"
    )


def test_header_names_are_matched_case_insensitively_and_a_pair_works_too():
    body = event_body()
    headers = {k.lower(): v for k, v in signature_headers(SECRET, NOW, body).items()}

    assert verify(SECRET, headers, body, now=NOW).event_id == "evt_1"
    assert verify(SECRET, (str(NOW), sign(SECRET, NOW, body)), body, now=NOW).event_id == "evt_1"


def test_an_aware_datetime_can_be_the_clock():
    body = event_body()

    verify(SECRET, signature_headers(SECRET, NOW, body), body, now=datetime.fromtimestamp(NOW + 10, UTC))


def test_one_matching_signature_among_several_is_enough_during_secret_rotation():
    body = event_body()
    headers = {TIMESTAMP_HEADER: str(NOW), SIGNATURE_HEADER: f"v1={'0' * 64}, {sign(SECRET, NOW, body)}"}

    assert verify(SECRET, headers, body, now=NOW).event_id == "evt_1"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({TIMESTAMP_HEADER: str(NOW), SIGNATURE_HEADER: "v1=" + "0" * 64}, "bad_signature"),
        ({TIMESTAMP_HEADER: str(NOW), SIGNATURE_HEADER: "garbage"}, "bad_signature"),
        ({TIMESTAMP_HEADER: str(NOW)}, "missing_signature"),
        ({SIGNATURE_HEADER: "v1=abc"}, "missing_timestamp"),
        ({TIMESTAMP_HEADER: "12.5", SIGNATURE_HEADER: "v1=abc"}, "bad_timestamp"),
        ({TIMESTAMP_HEADER: "-5", SIGNATURE_HEADER: "v1=abc"}, "bad_timestamp"),
    ],
)
def test_bad_or_missing_headers_are_rejected(headers, reason):
    with pytest.raises(WebhookRejected) as caught:
        verify(SECRET, headers, event_body(), now=NOW)

    assert caught.value.reason == reason


def test_a_signature_made_with_another_secret_is_rejected():
    body = event_body()

    with pytest.raises(WebhookRejected, match="bad_signature"):
        verify(SECRET, signature_headers("someone-else", NOW, body), body, now=NOW)


def test_timestamps_up_to_five_minutes_either_way_are_accepted():
    body = event_body()
    headers = signature_headers(SECRET, NOW, body)

    verify(SECRET, headers, body, now=NOW + 300)
    verify(SECRET, headers, body, now=NOW - 300)


def test_a_timestamp_older_than_five_minutes_is_rejected():
    body = event_body()

    with pytest.raises(WebhookRejected) as caught:
        verify(SECRET, signature_headers(SECRET, NOW, body), body, now=NOW + 301)

    assert caught.value.reason == "stale_timestamp"


def test_a_timestamp_more_than_five_minutes_ahead_is_rejected():
    body = event_body()

    with pytest.raises(WebhookRejected) as caught:
        verify(SECRET, signature_headers(SECRET, NOW, body), body, now=NOW - 301)

    assert caught.value.reason == "future_timestamp"


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'{"type": "application.updated", "application": {}}',
        json.dumps({"event_id": "evt_1", "type": "application.updated", "application": {"id": "x"}}).encode(),
        json.dumps(
            {"event_id": "evt_1", "type": "application.updated", "application": application_json(amount_financed=1.5)}
        ).encode(),
        b"\xff\xfe",
    ],
    ids=["not-json", "not-object", "no-event-id", "bad-application", "float-money", "not-utf8"],
)
def test_a_correctly_signed_but_malformed_body_is_rejected(body):
    with pytest.raises(WebhookRejected) as caught:
        verify(SECRET, signature_headers(SECRET, NOW, body), body, now=NOW)

    assert caught.value.reason == "malformed_payload"


@given(body=st.binary(max_size=200), tampered=st.binary(max_size=200))
def test_any_change_to_the_body_breaks_the_signature(body, tampered):
    assume(body != tampered)
    headers = signature_headers(SECRET, NOW, body)

    with pytest.raises(WebhookRejected) as caught:
        verify(SECRET, headers, tampered, now=NOW)

    assert caught.value.reason == "bad_signature"


@given(shift=st.integers(min_value=-300, max_value=300).filter(lambda n: n != 0))
def test_changing_the_timestamp_header_breaks_the_signature(shift):
    body = event_body()
    headers = {TIMESTAMP_HEADER: str(NOW + shift), SIGNATURE_HEADER: sign(SECRET, NOW, body)}

    with pytest.raises(WebhookRejected, match="bad_signature"):
        verify(SECRET, headers, body, now=NOW)


def test_seen_events_reports_a_replay_and_forgets_the_oldest_beyond_its_size():
    seen = SeenEvents(max_size=2)

    assert seen.add("evt_1") is True
    assert seen.add("evt_1") is False
    assert seen.add("evt_2") is True
    assert seen.add("evt_3") is True
    assert "evt_1" not in seen
    assert len(seen) == 2
