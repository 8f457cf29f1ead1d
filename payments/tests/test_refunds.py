"""
Where a refund's money goes: back to the payment(s) that paid the order, never to a payment that came
on top of an already paid order; that extra payment is given back on its own, without touching the
order's books. What Stripe says about a refund later (pending, then failed or succeeded) settles or
flags it. Stripe on loopback, webhooks signed as Stripe signs them, Daraja callbacks as Safaricom
sends them.
"""

import json
from decimal import Decimal

import pytest
from django.test import Client

from orders.models import Order, OrderRefund
from payments.models import GatewayNotification, Payment, PaymentStatus
from payments.tests.conftest import (
    CALLBACK_TOKEN,
    card_webhook,
    intent_created,
    intent_succeeded,
    push_accepted,
    stk_callback,
    stripe_event,
    token_ok,
    unreachable_url,
)

pytestmark = pytest.mark.django_db

INTENT = "/api/v1/payments/card/intent"
PI_PAID, PI_EXTRA = "pi_3QDukaPaidTheOrder", "pi_3QDukaCameOnTop0"


def fresh(instance):
    instance.refresh_from_db()
    return instance


def stripe_refunds(server, refund_id: str = "re_3QDuka0000000001", status: str = "succeeded"):
    server.expect_request("/v1/refunds", method="POST").respond_with_json(
        {"id": refund_id, "object": "refund", "status": status, "amount": 0, "currency": "kes"}
    )


def sent_refunds(server) -> list[tuple[str, str]]:
    """(payment_intent, amount in cents) of each refund Stripe was asked for."""
    return [(r.form["payment_intent"], r.form["amount"]) for r, _ in server.log if r.path == "/v1/refunds"]


def refund(staff_api, order, capture, **body):
    with capture(execute=True):  # the money goes back once the refund is committed
        return staff_api.post(
            f"/api/v1/orders/{order.pk}/refund", {"reason": "Cracked screen", "restock": False, **body}, format="json"
        )


@pytest.fixture
def card_order(place, phone):
    """One phone by card: 1,460.00 delivered."""
    return place((phone, 1), payment_method="card")


@pytest.fixture
def paid_twice(api, stripe_fake, customer_api, card_order):
    """
    The customer started two intents (two tabs) and both were paid: the first paid the order, the
    second came on top and is flagged. Returns (the paying payment, the extra one).
    """
    payments = []
    for intent in (PI_PAID, PI_EXTRA):
        stripe_fake.clear()
        intent_created(stripe_fake, intent)
        response = customer_api.post(INTENT, {"order_id": card_order.pk}, format="json")
        payments.append(Payment.objects.get(pk=response.json()["payment_id"]))
    for number, intent in enumerate((PI_PAID, PI_EXTRA)):
        assert card_webhook(api, intent_succeeded(intent, event_id=f"evt_paid_{number}")).status_code == 200
    stripe_fake.clear()
    paying, extra = (fresh(payment) for payment in payments)
    assert (paying.status, paying.needs_attention) == (PaymentStatus.SUCCEEDED, False)
    assert (extra.status, extra.needs_attention) == (PaymentStatus.SUCCEEDED, True)
    return paying, extra


@pytest.fixture
def browser(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


# --- Refunds go to the payment that paid ------------------------------------------------------------


def test_a_partial_refund_of_an_order_paid_twice_goes_to_the_payment_that_paid_not_the_extra_one(
    paid_twice, stripe_fake, staff_api, card_order, django_capture_on_commit_callbacks
):
    paying, extra = paid_twice
    stripe_refunds(stripe_fake)

    response = refund(staff_api, card_order, django_capture_on_commit_callbacks, amount="460.00")

    assert response.status_code == 200
    assert sent_refunds(stripe_fake) == [(PI_PAID, "46000")]
    recorded = OrderRefund.objects.get(order=card_order)
    assert (recorded.status, recorded.payment_id) == ("succeeded", paying.pk)
    assert fresh(extra).status == PaymentStatus.SUCCEEDED


def test_a_full_refund_of_an_order_paid_twice_refunds_the_paying_payment_and_leaves_the_extra_one_to_refund(
    paid_twice, stripe_fake, staff_api, card_order, django_capture_on_commit_callbacks
):
    paying, extra = paid_twice
    stripe_refunds(stripe_fake)

    response = refund(staff_api, card_order, django_capture_on_commit_callbacks)

    assert response.json()["payment_status"] == "refunded"
    assert sent_refunds(stripe_fake) == [(PI_PAID, "146000")]
    assert fresh(paying).status == PaymentStatus.REFUNDED
    assert (fresh(extra).status, fresh(extra).needs_attention) == (PaymentStatus.SUCCEEDED, True)


def test_several_partial_refunds_add_up_on_the_paying_payment_which_is_refunded_once_all_went_back(
    paid_twice, stripe_fake, staff_api, card_order, django_capture_on_commit_callbacks
):
    paying, _extra = paid_twice
    stripe_refunds(stripe_fake)

    refund(staff_api, card_order, django_capture_on_commit_callbacks, amount="1000.00")
    assert fresh(paying).status == PaymentStatus.SUCCEEDED
    refund(staff_api, card_order, django_capture_on_commit_callbacks)

    assert sent_refunds(stripe_fake) == [(PI_PAID, "100000"), (PI_PAID, "46000")]
    assert fresh(paying).status == PaymentStatus.REFUNDED
    assert set(OrderRefund.objects.filter(order=card_order).values_list("payment_id", flat=True)) == {paying.pk}


def test_a_failed_refund_is_retried_against_the_payment_that_paid(
    paid_twice, stripe_fake, staff_api, card_order, browser, django_capture_on_commit_callbacks
):
    paying, _extra = paid_twice
    stripe_fake.expect_oneshot_request("/v1/refunds").respond_with_json(
        {"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}}, status=500
    )
    refund(staff_api, card_order, django_capture_on_commit_callbacks, amount="460.00")
    failed = OrderRefund.objects.get(order=card_order)
    assert failed.status == "failed"
    stripe_refunds(stripe_fake)

    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/admin/orders/orderrefund/", {"action": "retry_through_gateway", "_selected_action": [failed.pk]})

    assert sent_refunds(stripe_fake) == [(PI_PAID, "46000"), (PI_PAID, "46000")]
    assert (fresh(failed).status, failed.payment_id) == ("succeeded", paying.pk)


def test_cancelling_an_order_paid_twice_by_mpesa_asks_for_the_reversal_of_the_receipt_that_paid_it(
    api, daraja, place, phone, customer_api, browser, django_capture_on_commit_callbacks
):
    token_ok(daraja)
    order = place((phone, 1))
    from payments.services import mpesa_push

    for checkout_id in ("ws_CO_first", "ws_CO_second"):
        push_accepted(daraja, checkout_id)
        mpesa_push(order=order, phone="0712345678")
    for checkout_id, receipt in (("ws_CO_first", "QKPAIDIT01"), ("ws_CO_second", "QKONTOP002")):
        body = json.dumps(stk_callback(checkout_id, amount=1460, receipt=receipt))
        api.generic("POST", f"/api/v1/payments/callbacks/stk/{CALLBACK_TOKEN}", body, content_type="application/json")

    with django_capture_on_commit_callbacks(execute=True):
        customer_api.post(f"/api/v1/orders/{order.pk}/cancel", {"reason": "Changed my mind"}, format="json")

    recorded = OrderRefund.objects.get(order=order)
    assert recorded.payment_id == Payment.objects.get(provider_reference="QKPAIDIT01").pk
    page = browser.get("/admin/payments/payment/attention/").text
    assert "Payment QKPAIDIT01" in page and "Payment QKONTOP002" not in page


def test_recording_an_mpesa_reversal_by_hand_marks_the_payment_refunded(
    api, daraja, place, phone, staff_api, browser, django_capture_on_commit_callbacks
):
    token_ok(daraja)
    push_accepted(daraja, "ws_CO_paid")
    from payments.services import mpesa_push

    payment = mpesa_push(order=place((phone, 1)), phone="0712345678")
    body = json.dumps(stk_callback("ws_CO_paid", amount=1460, receipt="QKPAIDIT01"))
    api.generic("POST", f"/api/v1/payments/callbacks/stk/{CALLBACK_TOKEN}", body, content_type="application/json")
    refund(staff_api, payment.order, django_capture_on_commit_callbacks)
    waiting = OrderRefund.objects.get(order=payment.order)
    assert (waiting.status, fresh(payment).status) == ("pending", PaymentStatus.SUCCEEDED)

    browser.post("/admin/orders/orderrefund/",
                 {"action": "record_reversal", "reference": "RVS1460", "_selected_action": [waiting.pk]})  # fmt: skip

    assert (fresh(waiting).status, fresh(waiting).provider_reference) == ("succeeded", "RVS1460")
    assert fresh(payment).status == PaymentStatus.REFUNDED


# --- The extra payment is refunded as such ------------------------------------------------------------


def test_staff_refund_an_extra_payment_through_its_own_gateway_without_touching_the_orders_books(
    paid_twice, stripe_fake, browser, card_order, django_capture_on_commit_callbacks
):
    paying, extra = paid_twice
    stripe_refunds(stripe_fake, "re_extra")

    with django_capture_on_commit_callbacks(execute=True):
        page = browser.post(
            "/admin/payments/payment/", {"action": "refund_extra_payments", "_selected_action": [extra.pk]}, follow=True
        )

    assert sent_refunds(stripe_fake) == [(PI_EXTRA, "146000")]
    assert "1 extra payment" in page.text
    extra = fresh(extra)
    assert (extra.status, extra.needs_attention) == (PaymentStatus.REFUNDED, False)
    assert fresh(paying).status == PaymentStatus.SUCCEEDED
    order = Order.objects.get(pk=card_order.pk)
    assert (order.status, order.payment_status) == ("paid", "paid")
    assert (order.amount_paid, order.amount_refunded) == (Decimal("1460.00"), Decimal("0.00"))
    recorded = OrderRefund.objects.get(order=order)
    assert (recorded.payment_id, recorded.amount, recorded.status) == (extra.pk, Decimal("1460.00"), "succeeded")


def test_only_an_extra_payment_can_be_refunded_as_extra_and_only_once(
    paid_twice, stripe_fake, browser, django_capture_on_commit_callbacks
):
    paying, extra = paid_twice
    stripe_refunds(stripe_fake, "re_extra")
    action = {"action": "refund_extra_payments", "_selected_action": [paying.pk, extra.pk]}

    with django_capture_on_commit_callbacks(execute=True):
        first = browser.post("/admin/payments/payment/", action, follow=True).text
        second = browser.post("/admin/payments/payment/", action, follow=True).text

    assert sent_refunds(stripe_fake) == [(PI_EXTRA, "146000")]
    assert f"{paying.pk} (It paid its order: refund the order instead.)" in first
    assert f"{extra.pk} (It is being refunded, or was refunded already.)" in second
    assert OrderRefund.objects.count() == 1


# --- A reversal reference is for M-Pesa -----------------------------------------------------------------


def test_a_reversal_reference_on_a_card_order_is_refused_and_stripe_is_still_the_way_back(
    api, stripe_fake, customer_api, staff_api, card_order, django_capture_on_commit_callbacks
):
    intent_created(stripe_fake, PI_PAID)
    customer_api.post(INTENT, {"order_id": card_order.pk}, format="json")
    card_webhook(api, intent_succeeded(PI_PAID))
    stripe_fake.clear()

    response = refund(staff_api, card_order, django_capture_on_commit_callbacks, reference="RVS123XYZ")

    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == ["reference"]
    assert not OrderRefund.objects.exists()
    order = Order.objects.get(pk=card_order.pk)
    assert (order.payment_status, order.amount_refunded) == ("paid", Decimal("0.00"))
    assert sent_refunds(stripe_fake) == []


# --- Stripe's word on a refund, later (charge.refund.updated / refund.updated / refund.failed) -------------

REFUND_ID = "re_3QDukaLater000001"


@pytest.fixture
def card_paid(api, stripe_fake, customer_api, card_order):
    """The card order paid by one PaymentIntent; returns its payment."""
    intent_created(stripe_fake, PI_PAID)
    response = customer_api.post(INTENT, {"order_id": card_order.pk}, format="json")
    assert card_webhook(api, intent_succeeded(PI_PAID)).status_code == 200
    stripe_fake.clear()
    return Payment.objects.get(pk=response.json()["payment_id"])


def refund_news(event_type: str, status: str, *, event_id: str, failure_reason=None, own_id=None) -> dict:
    refund = {"id": REFUND_ID, "object": "refund", "amount": 146000, "currency": "kes", "payment_intent": PI_PAID,
              "status": status, "failure_reason": failure_reason,
              "metadata": {"refund_id": str(own_id)} if own_id else {}}  # fmt: skip
    return stripe_event(event_type, refund, event_id=event_id)


def refund_failed_news(event_id: str = "evt_refund_failed_1", event_type: str = "charge.refund.updated") -> dict:
    return refund_news(event_type, "failed", event_id=event_id, failure_reason="expired_or_canceled_card")


def order_flagged(staff_api, order) -> bool:
    return staff_api.get(f"/api/v1/orders/{order.pk}").json()["needs_attention"]


@pytest.fixture
def refund_pending(card_paid, stripe_fake, staff_api, card_order, django_capture_on_commit_callbacks):
    """A full refund of the card order that Stripe accepted as `pending`: the bank has the last word."""
    stripe_refunds(stripe_fake, REFUND_ID, status="pending")
    assert refund(staff_api, card_order, django_capture_on_commit_callbacks).status_code == 200
    stripe_fake.clear()
    return OrderRefund.objects.get(order=card_order)


def test_a_refund_stripe_accepts_as_pending_waits_for_its_word_without_flagging_anyone(
    refund_pending, card_paid, staff_api, card_order
):
    assert (refund_pending.status, refund_pending.provider_reference) == ("pending", REFUND_ID)
    assert refund_pending.attention == ""
    assert fresh(card_paid).status == PaymentStatus.SUCCEEDED
    assert order_flagged(staff_api, card_order) is False


def test_a_refund_that_fails_after_pending_is_marked_failed_flagged_and_shown_on_needs_attention(
    api, refund_pending, card_paid, staff_api, browser, card_order
):
    response = card_webhook(api, refund_failed_news())

    assert response.status_code == 200
    failed = fresh(refund_pending)
    assert failed.status == "failed"
    assert failed.failure_reason == "Stripe could not refund the card (expired_or_canceled_card)."
    assert "give it back another way" in failed.attention
    assert order_flagged(staff_api, card_order) is True
    page = browser.get("/admin/payments/payment/attention/").text
    refunds_section = page.split("<h2>Refunds not settled ")[1]
    assert card_order.number in refunds_section and "give it back another way" in refunds_section
    notification = GatewayNotification.objects.get(reference="evt_refund_failed_1")
    assert (notification.outcome, notification.payment_id) == ("applied", card_paid.pk)
    assert f"Refund {failed.pk}: failed" in notification.note


def test_the_same_refund_failure_told_twice_changes_nothing(api, refund_pending):
    card_webhook(api, refund_failed_news())
    failed_at = fresh(refund_pending).failure_reason

    replay = card_webhook(api, refund_failed_news())
    retold = card_webhook(api, refund_failed_news("evt_refund_failed_2", event_type="refund.failed"))

    assert (replay.status_code, retold.status_code) == (200, 200)
    assert fresh(refund_pending).failure_reason == failed_at
    outcomes = list(
        GatewayNotification.objects.filter(gateway="stripe").order_by("id").values_list("outcome", flat=True)
    )
    assert outcomes[-3:] == ["applied", "duplicate", "duplicate"]


def test_a_later_success_for_a_refund_that_failed_settles_it(api, refund_pending, card_paid, staff_api, card_order):
    card_webhook(api, refund_failed_news())

    response = card_webhook(api, refund_news("refund.updated", "succeeded", event_id="evt_refund_ok"))

    assert response.status_code == 200
    settled = fresh(refund_pending)
    assert (settled.status, settled.failure_reason, settled.attention) == ("succeeded", "", "")
    assert fresh(card_paid).status == PaymentStatus.REFUNDED
    assert order_flagged(staff_api, card_order) is False


def test_a_refund_that_fails_after_it_succeeded_is_reopened_and_its_payment_is_no_longer_refunded(
    api, card_paid, stripe_fake, staff_api, card_order, django_capture_on_commit_callbacks
):
    stripe_refunds(stripe_fake, REFUND_ID, status="succeeded")
    refund(staff_api, card_order, django_capture_on_commit_callbacks)
    assert fresh(card_paid).status == PaymentStatus.REFUNDED

    card_webhook(api, refund_failed_news(event_type="refund.failed"))

    assert OrderRefund.objects.get(order=card_order).status == "failed"
    assert fresh(card_paid).status == PaymentStatus.SUCCEEDED
    assert order_flagged(staff_api, card_order) is True


def test_a_refund_whose_answer_was_lost_is_settled_by_its_webhook_found_by_metadata(
    api, card_paid, stripe_fake, settings, staff_api, card_order, django_capture_on_commit_callbacks
):
    settings.STRIPE_API_BASE = unreachable_url()
    refund(staff_api, card_order, django_capture_on_commit_callbacks)
    unconfirmed = OrderRefund.objects.get(order=card_order)
    assert (unconfirmed.status, unconfirmed.provider_reference) == ("failed", "")

    card_webhook(api, refund_news("refund.updated", "succeeded", event_id="evt_lost", own_id=unconfirmed.pk))

    settled = fresh(unconfirmed)
    assert (settled.status, settled.provider_reference) == ("succeeded", REFUND_ID)
    assert fresh(card_paid).status == PaymentStatus.REFUNDED


def test_retrying_a_refund_stripe_failed_asks_stripe_where_it_stands_and_refunds_nothing_twice(
    api, refund_pending, stripe_fake, browser, django_capture_on_commit_callbacks
):
    card_webhook(api, refund_failed_news())
    stripe_fake.expect_request(f"/v1/refunds/{REFUND_ID}", method="GET").respond_with_json(
        {"id": REFUND_ID, "object": "refund", "status": "failed", "failure_reason": "expired_or_canceled_card"}
    )

    with django_capture_on_commit_callbacks(execute=True):
        browser.post(
            "/admin/orders/orderrefund/", {"action": "retry_through_gateway", "_selected_action": [refund_pending.pk]}
        )

    assert [(r.method, r.path) for r, _ in stripe_fake.log] == [("GET", f"/v1/refunds/{REFUND_ID}")]
    still = fresh(refund_pending)
    assert still.status == "failed" and "give it back another way" in still.attention


def test_news_of_a_refund_duka_never_made_is_kept_as_unknown(api, card_paid):
    response = card_webhook(api, refund_failed_news())

    assert response.status_code == 200
    assert GatewayNotification.objects.get(reference="evt_refund_failed_1").outcome == "unknown"
