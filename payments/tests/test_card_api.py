"""Paying by card end to end: the intent, Stripe's webhook and refunds, through the API, with Stripe on loopback."""

import json
from decimal import Decimal

import pytest
from django.conf import settings
from werkzeug import Response

from accounts.tests.factories import UserFactory
from core.testing import authenticated_client, error_codes
from orders.models import Order, OrderRefund
from orders.services.lifecycle import order_cancel, order_mark_paid
from payments.models import GatewayKind, GatewayNotification, Payment, PaymentStatus
from payments.tests.conftest import (
    card_webhook,
    intent_created,
    intent_succeeded,
    payment_intent,
    stripe_event,
    stripe_signature,
    unreachable_url,
)

pytestmark = pytest.mark.django_db

INTENT = "/api/v1/payments/card/intent"
WEBHOOK = "/api/v1/payments/card/webhook"
PI = "pi_3QDuka0000000001"


def stock(variant) -> tuple[int, int]:
    variant.refresh_from_db()
    return variant.stock_quantity, variant.reserved_quantity


def fresh(order: Order) -> Order:
    return Order.objects.get(pk=order.pk)


def webhook(api, event: dict, *, signature: str | None = None):
    return card_webhook(api, event, signature=signature)


def succeeded(intent_id: str = PI, amount_received: int = 146000, event_id: str = "evt_succeeded_1") -> dict:
    return intent_succeeded(intent_id, amount_received=amount_received, event_id=event_id)


@pytest.fixture
def order(place, phone):
    """One phone by card: 1,160.00 and 300.00 shipping, 1,460.00 (146000 cents)."""
    return place((phone, 1), payment_method="card")


@pytest.fixture
def started(stripe_fake, customer_api, order):
    """The order with its PaymentIntent created (pi_3QDuka0000000001)."""
    intent_created(stripe_fake, PI)
    response = customer_api.post(INTENT, {"order_id": order.pk}, format="json")
    assert response.status_code == 200, response.content
    return Payment.objects.get(pk=response.json()["payment_id"])


# --- Starting a card payment ------------------------------------------------------------------------


def test_an_intent_for_the_order_total_hands_back_the_client_secret(stripe_fake, customer_api, order, phone):
    assert order.total == Decimal("1460.00")
    intent_created(stripe_fake, PI)

    response = customer_api.post(INTENT, {"order_id": order.pk}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body == {"payment_id": body["payment_id"], "client_secret": f"{PI}_secret_T3stCl13ntS3cr3t"}
    sent = stripe_fake.log[0][0].form
    assert (sent["amount"], sent["currency"]) == ("146000", "kes")
    assert (sent["metadata[order_number]"], sent["metadata[payment_id]"]) == (order.number, str(body["payment_id"]))
    payment = Payment.objects.get(pk=body["payment_id"])
    assert (payment.status, payment.gateway, payment.provider_reference) == ("pending", GatewayKind.STRIPE, PI)
    assert payment.amount == Decimal("1460.00")
    assert fresh(order).payment_status == "pending"
    assert stock(phone) == (5, 1)


def test_the_same_idempotency_key_twice_creates_one_intent(stripe_fake, customer_api, order):
    intent_created(stripe_fake, PI)

    first = customer_api.post(INTENT, {"order_id": order.pk}, format="json", HTTP_IDEMPOTENCY_KEY="pay-card-1")
    second = customer_api.post(INTENT, {"order_id": order.pk}, format="json", HTTP_IDEMPOTENCY_KEY="pay-card-1")

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    assert len(stripe_fake.log) == 1
    assert Payment.objects.filter(order=order).count() == 1


def test_another_customers_order_is_not_revealed(stripe_fake, order):
    stranger = authenticated_client(UserFactory(email="mallory@example.com"))

    response = stranger.post(INTENT, {"order_id": order.pk}, format="json")

    assert response.status_code in (400, 404)
    assert order.number not in response.content.decode()
    assert stripe_fake.log == []
    assert not Payment.objects.exists()


def test_a_paid_order_is_not_charged_again(stripe_fake, customer_api, order):
    order_mark_paid(order=order, amount=order.total, reference="pi_earlier")

    response = customer_api.post(INTENT, {"order_id": order.pk}, format="json")

    assert response.status_code == 409
    assert error_codes(response) == ["already_paid"]
    assert stripe_fake.log == []


def test_a_cancelled_order_cannot_be_paid(stripe_fake, customer_api, order, customer):
    order_cancel(order=order, actor=customer, reason="Changed my mind", by_staff=False)

    response = customer_api.post(INTENT, {"order_id": order.pk}, format="json")

    assert response.status_code == 409
    assert error_codes(response) == ["order_not_payable"]
    assert stripe_fake.log == []


def test_stripe_down_answers_502_records_the_attempt_failed_and_lets_the_customer_retry(
    stripe_fake, settings, customer_api, order
):
    settings.STRIPE_API_BASE = unreachable_url()

    response = customer_api.post(INTENT, {"order_id": order.pk}, format="json")

    assert response.status_code == 502
    assert error_codes(response) == ["gateway_error"]
    failed = Payment.objects.get(order=order)
    assert failed.status == PaymentStatus.FAILED
    assert failed.failure_reason == "Stripe could not be reached; please try again."
    assert fresh(order).status == "pending"

    settings.STRIPE_API_BASE = stripe_fake.url_for("").rstrip("/")
    intent_created(stripe_fake, PI)
    retry = customer_api.post(INTENT, {"order_id": order.pk}, format="json")

    assert retry.status_code == 200
    assert fresh(order).payment_status == "pending"


def test_retrying_a_failed_intent_with_the_same_idempotency_key_creates_a_new_intent(
    stripe_fake, settings, customer_api, order
):
    settings.STRIPE_API_BASE = unreachable_url()
    first = customer_api.post(INTENT, {"order_id": order.pk}, format="json", HTTP_IDEMPOTENCY_KEY="pay-card-2")
    settings.STRIPE_API_BASE = stripe_fake.url_for("").rstrip("/")
    intent_created(stripe_fake, PI)

    retry = customer_api.post(INTENT, {"order_id": order.pk}, format="json", HTTP_IDEMPOTENCY_KEY="pay-card-2")

    assert (first.status_code, retry.status_code) == (502, 200)
    assert retry.json()["client_secret"] == f"{PI}_secret_T3stCl13ntS3cr3t"
    assert list(Payment.objects.order_by("id").values_list("status", flat=True)) == ["failed", "pending"]


def test_a_declined_intent_answers_502_with_stripes_message(stripe_fake, customer_api, order):
    stripe_fake.expect_request("/v1/payment_intents").respond_with_json(
        {"error": {"type": "invalid_request_error", "code": "amount_too_large", "message": "Amount is too large."}},
        status=400,
    )

    response = customer_api.post(INTENT, {"order_id": order.pk}, format="json")

    assert response.status_code == 502
    assert response.json()["errors"][0]["detail"] == "Amount is too large."
    assert Payment.objects.get(order=order).status == PaymentStatus.FAILED


def test_without_stripe_settings_or_simulation_cards_are_unavailable(settings, customer_api, order):
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""
    settings.PAYMENTS_SIMULATION = False

    response = customer_api.post(INTENT, {"order_id": order.pk}, format="json")

    assert response.status_code == 409
    assert error_codes(response) == ["payment_method_unavailable"]
    assert not Payment.objects.exists()


# --- Stripe's webhook -------------------------------------------------------------------------------


def test_a_signed_success_pays_the_order_and_sells_its_stock(api, started, order, phone, customer):
    response = webhook(api, succeeded())

    assert response.status_code == 200
    started.refresh_from_db()
    assert started.status == PaymentStatus.SUCCEEDED
    paid = fresh(order)
    assert (paid.status, paid.payment_status, paid.amount_paid) == ("paid", "paid", Decimal("1460.00"))
    assert stock(phone) == (4, 0)
    customer.refresh_from_db()
    assert customer.orders_count == 1
    note = GatewayNotification.objects.get(gateway=GatewayKind.STRIPE)
    assert (note.outcome, note.reference, note.payment_id) == ("applied", "evt_succeeded_1", started.pk)


def test_the_same_event_twice_pays_once(api, started, order, phone, customer):
    first = webhook(api, succeeded())
    second = webhook(api, succeeded())

    assert (first.status_code, second.status_code) == (200, 200)
    assert fresh(order).amount_paid == Decimal("1460.00")
    assert [step.status for step in fresh(order).history.all()] == ["pending", "paid"]
    assert stock(phone) == (4, 0)
    customer.refresh_from_db()
    assert customer.orders_count == 1
    outcomes = GatewayNotification.objects.order_by("id").values_list("outcome", flat=True)
    assert list(outcomes) == ["applied", "duplicate"]


def test_a_success_for_another_amount_is_flagged_not_paid(api, started, order, phone):
    response = webhook(api, succeeded(amount_received=100000))

    assert response.status_code == 200
    started.refresh_from_db()
    assert started.needs_attention
    assert started.status == PaymentStatus.PENDING
    assert "1000" in started.attention_reason
    assert fresh(order).payment_status != "paid"
    assert fresh(order).status == "pending"
    assert stock(phone) == (5, 1)
    assert GatewayNotification.objects.get().outcome == "flagged"


def test_a_failed_payment_records_stripes_reason_and_leaves_the_order_payable(
    api, stripe_fake, started, customer_api, order, phone
):
    intent = payment_intent(
        PI, last_payment_error={"type": "card_error", "code": "card_declined", "message": "Your card was declined."}
    )

    response = webhook(api, stripe_event("payment_intent.payment_failed", intent, event_id="evt_failed_1"))

    assert response.status_code == 200
    started.refresh_from_db()
    assert (started.status, started.failure_reason) == ("failed", "Your card was declined.")
    assert (fresh(order).status, fresh(order).payment_status) == ("pending", "failed")
    assert stock(phone) == (5, 1)

    stripe_fake.clear()
    intent_created(stripe_fake, "pi_3QDuka0000000002")
    again = customer_api.post(INTENT, {"order_id": order.pk}, format="json")

    assert again.status_code == 200
    assert stripe_fake.log[0][0].headers["Idempotency-Key"].endswith(f"-payment-{started.pk + 1}")


def test_a_bad_signature_is_refused_and_the_body_kept(api, started, order):
    event = succeeded()

    response = webhook(api, event, signature=stripe_signature(b"something else"))

    assert response.status_code == 400
    note = GatewayNotification.objects.get()
    assert note.outcome == "rejected"
    assert json.loads(note.body) == event
    assert "Stripe-Signature" in note.headers
    started.refresh_from_db()
    assert started.status == PaymentStatus.PENDING
    assert fresh(order).payment_status == "pending"


def test_a_webhook_without_a_signature_is_refused(api, started):
    payload = json.dumps(succeeded()).encode()

    response = api.generic("POST", WEBHOOK, payload, content_type="application/json")

    assert response.status_code == 400
    assert GatewayNotification.objects.get().outcome == "rejected"


def test_a_webhook_with_nul_bytes_is_refused_and_kept_readable(api, started):
    response = api.generic("POST", WEBHOOK, b"\x00", content_type="application/json")

    assert response.status_code == 400
    note = GatewayNotification.objects.get()
    assert (note.outcome, note.body) == ("rejected", "\ufffd")


def test_a_success_for_an_unknown_intent_is_kept_as_unknown(api, stripe_fake, order):
    response = webhook(api, succeeded(intent_id="pi_not_ours"))

    assert response.status_code == 200
    assert GatewayNotification.objects.get().outcome == "unknown"
    assert fresh(order).payment_status == "unpaid"


def test_an_unrelated_event_type_is_ignored(api, started):
    event = stripe_event("customer.created", {"id": "cus_1", "object": "customer"}, event_id="evt_customer")

    response = webhook(api, event)

    assert response.status_code == 200
    assert GatewayNotification.objects.get().outcome == "ignored"
    started.refresh_from_db()
    assert started.status == PaymentStatus.PENDING


# --- Refunds ----------------------------------------------------------------------------------------


@pytest.fixture
def paid(api, started, order):
    assert webhook(api, succeeded()).status_code == 200
    return fresh(order)


def refund(staff_api, order, capture, **body):
    with capture(execute=True):
        response = staff_api.post(
            f"/api/v1/orders/{order.pk}/refund",
            {"amount": "460.00", "reason": "Cracked screen", "restock": False, **body},
            format="json",
        )
    assert response.status_code == 200, response.content
    return OrderRefund.objects.get(order=order)


def test_a_refund_of_a_card_order_goes_back_through_stripe(
    stripe_fake, paid, staff_api, django_capture_on_commit_callbacks
):
    stripe_fake.clear()
    stripe_fake.expect_request("/v1/refunds", method="POST").respond_with_json(
        {"id": "re_3QDuka0000000001", "object": "refund", "amount": 46000, "currency": "kes", "status": "succeeded"}
    )

    recorded = refund(staff_api, paid, django_capture_on_commit_callbacks)

    sent = stripe_fake.log[0][0]
    assert (sent.path, sent.form["payment_intent"], sent.form["amount"]) == ("/v1/refunds", PI, "46000")
    assert sent.headers["Idempotency-Key"] == f"{settings.STRIPE_IDEMPOTENCY_PREFIX}-refund-{recorded.pk}"
    assert (recorded.status, recorded.provider_reference) == ("succeeded", "re_3QDuka0000000001")
    assert fresh(paid).payment_status == "partially_refunded"
    assert not fresh(paid).needs_attention


def test_a_refund_stripe_refuses_is_recorded_failed_and_flags_the_order(
    stripe_fake, paid, staff_api, django_capture_on_commit_callbacks
):
    stripe_fake.clear()
    stripe_fake.expect_request("/v1/refunds").respond_with_response(
        Response(
            json.dumps({"error": {"type": "invalid_request_error", "code": "charge_disputed",
                                  "message": "This charge is disputed and cannot be refunded."}}),
            status=400, content_type="application/json",
        )
    )  # fmt: skip

    recorded = refund(staff_api, paid, django_capture_on_commit_callbacks)

    assert recorded.status == "failed"
    assert recorded.failure_reason == "This charge is disputed and cannot be refunded."
    assert "This charge is disputed" in recorded.attention
    assert staff_api.get(f"/api/v1/orders/{paid.pk}").json()["needs_attention"] is True
    assert staff_api.get("/api/v1/orders", {"needs_attention": "true"}).json()["count"] == 1
    assert fresh(paid).attention_reason == ""  # the order's own flags are its own
