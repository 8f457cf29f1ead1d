"""The Stripe gateway against a Stripe-compatible HTTP server on loopback: every field, the failures, the webhook."""

import json
import logging
import time
from decimal import Decimal

import pytest
from django.conf import settings
from werkzeug import Response

from payments.gateways.card.gateway import CardGateway, InvalidWebhook, RefundUpdate, from_minor_units, minor_units
from payments.interface import PaymentRequest, RefundRequest
from payments.tests.conftest import (
    STRIPE_SECRET_KEY,
    intent_created,
    payment_intent,
    stripe_event,
    stripe_signature,
    unreachable_url,
)

pytestmark = pytest.mark.django_db

PAYMENT = PaymentRequest(payment_id=42, order_number="DK-7F3K-9Q2M", amount=Decimal("1460.00"), currency="KES")
REFUND = RefundRequest(
    payment_id=42, refund_id=7, provider_reference="pi_3QDuka0000000001", amount=Decimal("460.00"), currency="KES"
)


def stripe_error(server, path: str, status: int, error: dict):
    server.expect_request(path, method="POST").respond_with_json({"error": error}, status=status)


def only_request(server):
    assert len(server.log) == 1, f"expected one request to Stripe, got {len(server.log)}"
    return server.log[0][0]


# --- Minor units ------------------------------------------------------------------------------------


def test_kes_is_charged_in_cents():
    assert minor_units(Decimal("1460.00"), "KES") == 146000
    assert minor_units(Decimal("1459.99"), "kes") == 145999
    assert minor_units(Decimal("0.01"), "KES") == 1


def test_zero_decimal_currencies_are_charged_in_whole_units():
    assert minor_units(Decimal("1500"), "JPY") == 1500
    assert minor_units(Decimal("50000.00"), "UGX") == 50000
    assert from_minor_units(1500, "jpy") == Decimal("1500.00")


def test_three_decimal_currencies_are_charged_in_thousandths():
    assert minor_units(Decimal("1.23"), "KWD") == 1230
    assert from_minor_units(1230, "kwd") == Decimal("1.23")


def test_an_amount_stripe_cannot_charge_exactly_is_refused_not_rounded():
    with pytest.raises(ValueError, match="cannot charge exactly"):
        minor_units(Decimal("10.50"), "JPY")


def test_webhook_amounts_convert_back_to_the_payment_amount():
    assert from_minor_units(146000, "kes") == Decimal("1460.00")


# --- Starting a payment -----------------------------------------------------------------------------


def test_the_payment_intent_carries_the_amount_in_cents_the_order_and_the_idempotency_key(stripe_fake):
    intent_created(stripe_fake, "pi_3QDuka0000000001")

    response = CardGateway().start(PAYMENT)

    request = only_request(stripe_fake)
    assert request.path == "/v1/payment_intents"
    assert request.form.to_dict() == {
        "amount": "146000",
        "currency": "kes",
        "automatic_payment_methods[enabled]": "true",
        "description": "Order DK-7F3K-9Q2M",
        "metadata[order_number]": "DK-7F3K-9Q2M",
        "metadata[payment_id]": "42",
    }
    assert request.headers["Idempotency-Key"] == f"{settings.STRIPE_IDEMPOTENCY_PREFIX}-payment-42"
    assert request.headers["Authorization"] == f"Bearer {STRIPE_SECRET_KEY}"
    assert response.is_success and response.pending
    assert response.reference == "pi_3QDuka0000000001"
    assert response.client_secret == "pi_3QDuka0000000001_secret_T3stCl13ntS3cr3t"
    assert "client_secret" not in response.raw


def test_a_zero_decimal_payment_is_sent_without_multiplying(stripe_fake):
    intent_created(stripe_fake, amount=1500, currency="jpy")

    CardGateway().start(PaymentRequest(payment_id=1, order_number="DK-JP", amount=Decimal("1500.00"), currency="JPY"))

    assert only_request(stripe_fake).form["amount"] == "1500"
    assert only_request(stripe_fake).form["currency"] == "jpy"


def test_an_amount_stripe_cannot_charge_exactly_fails_without_calling_stripe(stripe_fake):
    response = CardGateway().start(
        PaymentRequest(payment_id=1, order_number="DK-JP", amount=Decimal("10.50"), currency="JPY")
    )

    assert not response.is_success
    assert response.code == "invalid_amount"
    assert stripe_fake.log == []


def test_a_card_error_is_a_failed_response_with_stripes_message(stripe_fake):
    stripe_error(
        stripe_fake,
        "/v1/payment_intents",
        402,
        {"type": "card_error", "code": "card_declined", "message": "Your card was declined."},
    )

    response = CardGateway().start(PAYMENT)

    assert not response.is_success
    assert (response.error, response.code) == ("Your card was declined.", "card_declined")


def test_an_invalid_request_is_a_failed_response_with_stripes_message(stripe_fake):
    message = "Amount must be at least KSh 50.00 kes"
    stripe_error(
        stripe_fake,
        "/v1/payment_intents",
        400,
        {"type": "invalid_request_error", "code": "amount_too_small", "param": "amount", "message": message},
    )

    response = CardGateway().start(PAYMENT)

    assert not response.is_success
    assert (response.error, response.code) == (message, "amount_too_small")


def test_a_stripe_server_error_fails_once_without_a_retry(stripe_fake):
    stripe_error(stripe_fake, "/v1/payment_intents", 500, {"type": "api_error", "message": "An unknown error occurred"})

    response = CardGateway().start(PAYMENT)

    assert not response.is_success
    assert response.code == "api_error"
    assert "HTTP 500" in response.error
    only_request(stripe_fake)


def test_an_answer_that_is_not_stripes_json_fails(stripe_fake):
    stripe_fake.expect_request("/v1/payment_intents").respond_with_data("<html>Bad gateway</html>", status=502)

    response = CardGateway().start(PAYMENT)

    assert not response.is_success
    assert "HTTP 502" in response.error
    assert "<html>" not in response.error


def test_a_stripe_that_does_not_answer_in_time_fails_with_a_timeout(stripe_fake, settings):
    settings.STRIPE_TIMEOUT = 0.5

    def slow(request):
        time.sleep(1.5)
        return Response(json.dumps(payment_intent()), content_type="application/json")

    stripe_fake.expect_request("/v1/payment_intents").respond_with_handler(slow)

    started = time.monotonic()
    response = CardGateway().start(PAYMENT)

    assert time.monotonic() - started < 1.4
    assert not response.is_success
    assert response.code == "timeout"
    assert "did not answer in time" in response.error


def test_a_stripe_that_cannot_be_reached_fails(stripe_fake, settings):
    settings.STRIPE_API_BASE = unreachable_url()

    response = CardGateway().start(PAYMENT)

    assert not response.is_success
    assert (response.code, response.error) == ("api_connection_error", "Stripe could not be reached; please try again.")


def test_a_refused_api_key_never_shows_the_key(stripe_fake):
    # A server that quotes the key back, which Stripe's real answer (masked) comes close to.
    stripe_error(
        stripe_fake,
        "/v1/payment_intents",
        401,
        {"type": "invalid_request_error", "message": f"Invalid API Key provided: {STRIPE_SECRET_KEY}"},
    )

    response = CardGateway().start(PAYMENT)

    assert not response.is_success
    assert response.code == "authentication_error"
    assert STRIPE_SECRET_KEY not in response.error
    assert "STRIPE_SECRET_KEY" in response.error


# --- Refunds ----------------------------------------------------------------------------------------


def refund_json(status: str = "succeeded", **fields) -> dict:
    return {"id": "re_3QDuka0000000001", "object": "refund", "amount": 46000, "currency": "kes", "status": status,
            "payment_intent": "pi_3QDuka0000000001", **fields}  # fmt: skip


def test_a_refund_names_the_intent_the_amount_in_cents_and_its_idempotency_key(stripe_fake):
    stripe_fake.expect_request("/v1/refunds", method="POST").respond_with_json(refund_json())

    response = CardGateway().refund(REFUND)

    request = only_request(stripe_fake)
    assert request.form["payment_intent"] == "pi_3QDuka0000000001"
    assert request.form["amount"] == "46000"
    assert request.form["metadata[refund_id]"] == "7"
    assert request.headers["Idempotency-Key"] == f"{settings.STRIPE_IDEMPOTENCY_PREFIX}-refund-7"
    assert request.headers["Authorization"] == f"Bearer {STRIPE_SECRET_KEY}"
    assert response.is_success
    assert response.reference == "re_3QDuka0000000001"


def test_a_refund_stripe_refuses_is_a_failed_response_with_its_message(stripe_fake):
    message = "Charge ch_3QDuka has already been refunded."
    stripe_error(
        stripe_fake,
        "/v1/refunds",
        400,
        {"type": "invalid_request_error", "code": "charge_already_refunded", "message": message},
    )

    response = CardGateway().refund(REFUND)

    assert not response.is_success
    assert (response.error, response.code) == (message, "charge_already_refunded")


def test_a_refund_stripe_records_as_failed_is_a_failed_response(stripe_fake):
    stripe_fake.expect_request("/v1/refunds").respond_with_json(
        refund_json("failed", failure_reason="lost_or_stolen_card")
    )

    response = CardGateway().refund(REFUND)

    assert not response.is_success
    assert "lost_or_stolen_card" in response.error


# --- Webhooks ---------------------------------------------------------------------------------------


def succeeded_body(amount_received: int = 146000) -> bytes:
    intent = payment_intent(status="succeeded", amount_received=amount_received)
    return json.dumps(stripe_event("payment_intent.succeeded", intent)).encode()


def test_a_signed_succeeded_event_is_read_with_the_amount_received(stripe_fake):
    payload = succeeded_body(amount_received=146000)

    event = CardGateway().parse_webhook(payload=payload, signature=stripe_signature(payload))

    assert event.id == "evt_3QDuka0000000001"
    assert event.type == "payment_intent.succeeded"
    assert (event.intent_id, event.amount_minor, event.currency) == ("pi_3QDuka0000000001", 146000, "kes")
    assert (event.failure_code, event.failure_message) == ("", "")


def test_a_signed_payment_failed_event_carries_stripes_reason(stripe_fake):
    intent = payment_intent(
        status="requires_payment_method",
        last_payment_error={"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
                            "message": "Your card has insufficient funds."},
    )  # fmt: skip
    payload = json.dumps(stripe_event("payment_intent.payment_failed", intent)).encode()

    event = CardGateway().parse_webhook(payload=payload, signature=stripe_signature(payload))

    assert (event.type, event.intent_id, event.amount_minor) == (
        "payment_intent.payment_failed",
        "pi_3QDuka0000000001",
        146000,
    )
    assert (event.failure_code, event.failure_message) == ("card_declined", "Your card has insufficient funds.")


def test_another_event_type_comes_back_without_intent_fields(stripe_fake):
    payload = json.dumps(stripe_event("charge.refunded", {"id": "ch_1", "object": "charge", "amount": 100})).encode()

    event = CardGateway().parse_webhook(payload=payload, signature=stripe_signature(payload))

    assert (event.type, event.intent_id, event.amount_minor, event.currency) == ("charge.refunded", "", None, "")


def test_a_refund_update_is_read_with_its_status_reason_intent_and_own_refund_id(stripe_fake):
    refund = refund_json("failed", failure_reason="expired_or_canceled_card", metadata={"refund_id": "7"})
    payload = json.dumps(stripe_event("charge.refund.updated", refund)).encode()

    event = CardGateway().parse_webhook(payload=payload, signature=stripe_signature(payload))

    assert event.refund == RefundUpdate(
        id="re_3QDuka0000000001", status="failed", failure_reason="expired_or_canceled_card",
        payment_intent="pi_3QDuka0000000001", refund_id=7,
    )  # fmt: skip


@pytest.mark.parametrize("metadata", [{}, {"refund_id": "seven"}, {"refund_id": "9" * 30}, "not a dict"])
def test_a_refund_update_without_a_usable_own_refund_id_is_read_without_one(stripe_fake, metadata):
    payload = json.dumps(stripe_event("refund.updated", refund_json("succeeded", metadata=metadata))).encode()

    event = CardGateway().parse_webhook(payload=payload, signature=stripe_signature(payload))

    assert (event.refund.status, event.refund.refund_id) == ("succeeded", None)


@pytest.mark.parametrize("refund", [{}, {"id": "re_1", "object": "charge"}, {"object": "refund"}, ["re_1"]])
def test_a_refund_event_that_carries_no_refund_is_refused(stripe_fake, refund):
    payload = json.dumps(stripe_event("refund.failed", refund)).encode()

    with pytest.raises(InvalidWebhook):
        CardGateway().parse_webhook(payload=payload, signature=stripe_signature(payload))


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(lambda body: stripe_signature(body, secret="whsec_someone_else"), id="wrong secret"),
        pytest.param(lambda body: stripe_signature(body.replace(b"146000", b"999999")), id="tampered body"),
        pytest.param(lambda body: stripe_signature(body, timestamp=int(time.time()) - 400), id="stale timestamp"),
        pytest.param(lambda body: "", id="missing header"),
        pytest.param(lambda body: "v1=deadbeef", id="no timestamp"),
    ],
)
def test_a_webhook_that_stripe_did_not_sign_just_now_is_refused(stripe_fake, signature):
    payload = succeeded_body()

    with pytest.raises(InvalidWebhook):
        CardGateway().parse_webhook(payload=payload, signature=signature(payload))


def test_a_recent_signature_within_the_tolerance_is_accepted(stripe_fake):
    payload = succeeded_body()

    event = CardGateway().parse_webhook(
        payload=payload, signature=stripe_signature(payload, timestamp=int(time.time()) - 240)
    )

    assert event.intent_id == "pi_3QDuka0000000001"


@pytest.mark.parametrize(
    "payload",
    [b"not json", b"[1, 2]", b'{"hello": "world"}', json.dumps(stripe_event("payment_intent.succeeded", {})).encode()],
    ids=["not json", "a list", "no event", "no intent"],
)
def test_a_signed_body_that_is_not_a_stripe_event_is_refused(stripe_fake, payload):
    with pytest.raises(InvalidWebhook):
        CardGateway().parse_webhook(payload=payload, signature=stripe_signature(payload))


def test_without_a_webhook_secret_nothing_is_accepted(stripe_fake, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    payload = succeeded_body()

    with pytest.raises(InvalidWebhook, match="STRIPE_WEBHOOK_SECRET"):
        CardGateway().parse_webhook(payload=payload, signature=stripe_signature(payload, secret=""))


# --- Logs -------------------------------------------------------------------------------------------


def test_every_call_is_logged_without_the_key_or_the_client_secret(stripe_fake, caplog):
    intent_created(stripe_fake)
    stripe_fake.expect_request("/v1/refunds").respond_with_json(refund_json())
    caplog.set_level(logging.DEBUG)

    CardGateway().start(PAYMENT)
    CardGateway().refund(REFUND)
    stripe_fake.clear()
    # Stripe masks the key it quotes back; the library logs that text as it is.
    masked = f"{STRIPE_SECRET_KEY[:8]}{'*' * 24}{STRIPE_SECRET_KEY[-4:]}"
    stripe_error(stripe_fake, "/v1/payment_intents", 401, {"message": f"Invalid API Key provided: {masked}"})
    CardGateway().start(PAYMENT)

    everything = " ".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert STRIPE_SECRET_KEY not in everything
    ours = [record for record in caplog.records if record.name == "payments.stripe"]
    assert "_secret_" not in " ".join(f"{record.getMessage()} {record.__dict__}" for record in ours)
    assert [(record.stripe_call, record.payment_id, record.status) for record in ours] == [
        ("payment_intent.create", 42, 200),
        ("refund.create", 42, 200),
        ("payment_intent.create", 42, 401),
    ]
    assert all(isinstance(record.duration_ms, int) for record in ours)
