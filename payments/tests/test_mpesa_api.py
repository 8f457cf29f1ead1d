"""Paying by M-Pesa end to end: checkout push, retries, callbacks, lost callbacks, against Daraja on loopback."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.models import MovementReason, StockMovement
from core.models import Event, EventType
from core.testing import authenticated_client, error_attrs, error_codes
from orders.models import Order, OrderStatus
from orders.services.lifecycle import reservations_expire
from payments.models import Gateway, GatewayNotification, Payment, PaymentStatus
from payments.tests.conftest import CALLBACK_TOKEN, push_accepted, stk_callback, token_ok

pytestmark = pytest.mark.django_db

CALLBACK = f"/api/v1/payments/callbacks/stk/{CALLBACK_TOKEN}"


def callback(api, body, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return api.generic("POST", CALLBACK, data, content_type="application/json", **extra)


def stock(variant):
    variant.refresh_from_db()
    return variant.stock_quantity, variant.reserved_quantity


@pytest.fixture
def pushed(daraja, place, phone):
    """An order of 2 phones (2,620.00) with an accepted STK push, checkout id ws_CO_1."""
    token_ok(daraja)
    push_accepted(daraja, "ws_CO_1")
    order = place((phone, 2))
    from payments.services import mpesa_push

    payment = mpesa_push(order=order, phone="0712345678")
    return order, payment


# --- Starting the push ----------------------------------------------------------------------------


def test_checkout_with_mpesa_and_a_phone_pushes_at_once(daraja, customer_api, address, phone):
    token_ok(daraja)
    push_accepted(daraja, "ws_CO_checkout")
    body = {
        "address_id": address.pk,
        "payment_method": "mpesa",
        "phone": "+254 712 345 678",
        "items": [{"variant_id": phone.pk, "quantity": 1}],
    }

    response = customer_api.post("/api/v1/orders", body, format="json")

    assert response.status_code == 201
    order = response.json()
    assert order["payment_status"] == "pending"
    (payment,) = order["payments"]
    assert (payment["status"], payment["checkout_request_id"], payment["phone"]) == (
        "pending",
        "ws_CO_checkout",
        "254712345678",
    )
    assert payment["amount"] == "1460.00"
    sent = json.loads(next(r for r, _ in daraja.log if r.path.endswith("processrequest")).data)
    assert sent["Amount"] == 1460
    assert sent["AccountReference"] == order["number"]
    assert sent["CallBackURL"] == f"https://shop.example.com/api/v1/payments/callbacks/stk/{CALLBACK_TOKEN}"


def test_the_amount_is_rounded_up_to_the_next_shilling(daraja, place, charger):
    from catalog.models import ProductVariant

    ProductVariant.objects.filter(pk=charger.pk).update(price=Decimal("499.50"))
    token_ok(daraja)
    push_accepted(daraja)
    order = place((charger, 1))  # 499.50 + 300 shipping = 799.50
    from payments.services import mpesa_push

    payment = mpesa_push(order=order, phone="0712345678")

    assert payment.amount == Decimal("800")
    assert json.loads(daraja.log[-1][0].data)["Amount"] == 800


def test_a_refused_push_at_checkout_still_creates_the_order_with_a_failed_payment(daraja, customer_api, address, phone):
    token_ok(daraja)
    daraja.expect_request("/mpesa/stkpush/v1/processrequest").respond_with_json(
        {"requestId": "x", "errorCode": "500.001.1001", "errorMessage": "Unable to lock subscriber"}, status=500
    )
    body = {
        "address_id": address.pk,
        "payment_method": "mpesa",
        "phone": "0712345678",
        "items": [{"variant_id": phone.pk, "quantity": 1}],
    }

    response = customer_api.post("/api/v1/orders", body, format="json")

    assert response.status_code == 201
    (payment,) = response.json()["payments"]
    assert payment["status"] == "failed"
    assert payment["failure_reason"] == "Unable to lock subscriber"
    assert response.json()["status"] == "pending"


def test_the_customer_retries_with_stk_push(daraja, customer_api, place, phone):
    token_ok(daraja)
    push_accepted(daraja, "ws_CO_again")
    order = place((phone, 1))

    response = customer_api.post(
        "/api/v1/payments/mpesa/stk-push", {"order_id": order.pk, "phone": "0712345678"}, format="json"
    )

    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    assert response.json()["checkout_request_id"] == "ws_CO_again"
    order.refresh_from_db()
    assert order.payment_status == "pending"


@pytest.mark.parametrize("typed", ["0712345678", "+254712345678", "254712345678", "0112345678", "+254 112 345 678"])
def test_kenyan_mobile_numbers_in_every_usual_form_are_accepted(daraja, customer_api, place, phone, typed):
    token_ok(daraja)
    push_accepted(daraja)
    order = place((phone, 1))

    response = customer_api.post(
        "/api/v1/payments/mpesa/stk-push", {"order_id": order.pk, "phone": typed}, format="json"
    )

    assert response.status_code == 202
    assert response.json()["phone"] in ("254712345678", "254112345678")


@pytest.mark.parametrize("typed", ["12345", "+255712345678", "0201234567", "", None, ["0712345678"]])
def test_numbers_m_pesa_cannot_take_are_refused(daraja, customer_api, place, phone, typed):
    order = place((phone, 1))

    response = customer_api.post(
        "/api/v1/payments/mpesa/stk-push", {"order_id": order.pk, "phone": typed}, format="json"
    )

    assert response.status_code == 400
    assert error_attrs(response) == ["phone"]
    assert not Payment.objects.exists()


def test_a_daraja_error_is_a_502_with_its_message_and_a_failed_attempt(daraja, customer_api, place, phone):
    token_ok(daraja)
    daraja.expect_request("/mpesa/stkpush/v1/processrequest").respond_with_json(
        {"requestId": "y", "errorCode": "400.002.02", "errorMessage": "Bad Request - Invalid Amount"}, status=400
    )
    order = place((phone, 1))

    response = customer_api.post(
        "/api/v1/payments/mpesa/stk-push", {"order_id": order.pk, "phone": "0712345678"}, format="json"
    )

    assert response.status_code == 502
    assert error_codes(response) == ["gateway_error"]
    assert "Invalid Amount" in response.json()["errors"][0]["detail"]
    payment = Payment.objects.get()
    assert (payment.status, payment.failure_reason) == ("failed", "Bad Request - Invalid Amount")


def test_a_timeout_is_a_502_and_the_customer_may_retry(daraja, customer_api, place, phone, settings):
    import time

    from werkzeug import Response

    settings.MPESA_READ_TIMEOUT = 0.2
    token_ok(daraja)
    daraja.expect_oneshot_request("/mpesa/stkpush/v1/processrequest").respond_with_handler(
        lambda request: (time.sleep(0.6), Response("{}"))[1]
    )
    push_accepted(daraja, "ws_CO_second")
    order = place((phone, 1))
    body = {"order_id": order.pk, "phone": "0712345678"}

    first = customer_api.post("/api/v1/payments/mpesa/stk-push", body, format="json")
    time.sleep(0.6)  # the loopback server answers one request at a time: let it finish the slow one
    second = customer_api.post("/api/v1/payments/mpesa/stk-push", body, format="json")

    assert first.status_code == 502
    assert error_codes(first) == ["gateway_error"]
    assert second.status_code == 202
    assert list(Payment.objects.order_by("id").values_list("status", flat=True)) == ["failed", "pending"]


def test_paid_and_closed_orders_cannot_be_pushed(daraja, customer_api, place, phone):
    from orders.services.lifecycle import order_cancel, order_mark_paid

    paid = order_mark_paid(order=place((phone, 1)), amount=Decimal("1460"))
    cancelled = order_cancel(order=place((phone, 1)), actor=None, reason="", by_staff=True)

    def push(order):
        return customer_api.post(
            "/api/v1/payments/mpesa/stk-push", {"order_id": order.pk, "phone": "0712345678"}, format="json"
        )

    assert error_codes(push(paid)) == ["already_paid"]
    assert error_codes(push(cancelled)) == ["order_not_payable"]
    assert not daraja.log


def test_another_customers_order_is_not_found(daraja, place, phone):
    order = place((phone, 1))
    stranger = authenticated_client(UserFactory())

    response = stranger.post(
        "/api/v1/payments/mpesa/stk-push", {"order_id": order.pk, "phone": "0712345678"}, format="json"
    )

    assert response.status_code == 400
    assert error_codes(response) == ["does_not_exist"]
    assert not daraja.log


def test_the_same_idempotency_key_pushes_once(daraja, customer_api, place, phone):
    token_ok(daraja)
    push_accepted(daraja)
    order = place((phone, 1))
    body = {"order_id": order.pk, "phone": "0712345678"}

    first = customer_api.post("/api/v1/payments/mpesa/stk-push", body, format="json", HTTP_IDEMPOTENCY_KEY="tap")
    second = customer_api.post("/api/v1/payments/mpesa/stk-push", body, format="json", HTTP_IDEMPOTENCY_KEY="tap")

    assert first.json()["id"] == second.json()["id"]
    assert len([r for r, _ in daraja.log if r.path.endswith("processrequest")]) == 1


def test_without_mpesa_settings_or_simulation_mpesa_is_unavailable(customer_api, place, phone, settings):
    settings.PAYMENTS_SIMULATION = False
    settings.MPESA_CONSUMER_KEY = ""
    order = place((phone, 1))

    response = customer_api.post(
        "/api/v1/payments/mpesa/stk-push", {"order_id": order.pk, "phone": "0712345678"}, format="json"
    )

    assert response.status_code == 409
    assert error_codes(response) == ["payment_method_unavailable"]


# --- Callbacks ------------------------------------------------------------------------------------


def test_a_successful_callback_pays_the_order_and_sells_its_stock(api, pushed, phone, customer):
    order, payment = pushed

    response = callback(api, stk_callback("ws_CO_1", amount=2620, receipt="QK12ABC34D"))

    assert response.status_code == 200
    assert response.json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    payment.refresh_from_db()
    assert (payment.status, payment.provider_reference) == ("succeeded", "QK12ABC34D")
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("paid", "paid")
    assert stock(phone) == (3, 0)
    assert StockMovement.objects.filter(variant=phone, reason=MovementReason.SALE).count() == 1
    customer.refresh_from_db()
    assert customer.orders_count == 1
    notification = GatewayNotification.objects.get()
    assert (notification.outcome, notification.payment_id, notification.reference) == ("applied", payment.pk, "ws_CO_1")
    assert '"MpesaReceiptNumber"' in notification.body
    assert Event.objects.filter(type=EventType.PAYMENT_SUCCEEDED, payload__reference="QK12ABC34D").exists()


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (1032, "The M-Pesa request was cancelled on the phone."),
        (1037, "The phone could not be reached (it may be off or out of network)."),
        (2001, "The M-Pesa PIN entered was wrong."),
        (1, "The M-Pesa balance was not enough for this payment."),
        (4999, "Something unusual happened"),
    ],
)
def test_a_failed_callback_fails_the_attempt_and_leaves_the_order_payable(api, pushed, phone, code, reason):
    order, payment = pushed

    callback(api, stk_callback("ws_CO_1", code=code, desc="Something unusual happened"))

    payment.refresh_from_db()
    assert (payment.status, payment.failure_reason, payment.result_code) == ("failed", reason, str(code))
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("pending", "failed")
    assert stock(phone) == (5, 2)
    assert Event.objects.filter(type=EventType.PAYMENT_FAILED).count() == 1


def test_a_repeated_callback_changes_nothing(api, pushed, phone, customer):
    _order, _payment = pushed
    body = stk_callback("ws_CO_1", amount=2620)

    for _ in range(3):
        assert callback(api, body).status_code == 200

    customer.refresh_from_db()
    assert customer.orders_count == 1
    assert stock(phone) == (3, 0)
    assert list(GatewayNotification.objects.order_by("id").values_list("outcome", flat=True)) == [
        "applied",
        "duplicate",
        "duplicate",
    ]


def test_a_failure_after_a_success_changes_nothing(api, pushed):
    _order, payment = pushed
    callback(api, stk_callback("ws_CO_1", amount=2620))

    callback(api, stk_callback("ws_CO_1", code=1032))

    payment.refresh_from_db()
    assert payment.status == "succeeded"


def test_a_different_amount_is_not_counted_but_flagged(api, pushed, phone):
    order, payment = pushed

    callback(api, stk_callback("ws_CO_1", amount=10))

    payment.refresh_from_db()
    assert payment.status == "pending"
    assert payment.needs_attention is True
    assert "amount 10 instead of 2620" in payment.attention_reason
    order.refresh_from_db()
    assert order.payment_status == "pending"
    assert stock(phone) == (5, 2)
    assert GatewayNotification.objects.get().outcome == "flagged"


def test_a_different_phone_is_not_counted_but_flagged(api, pushed):
    _order, payment = pushed

    callback(api, stk_callback("ws_CO_1", amount=2620, msisdn=254799999999))

    payment.refresh_from_db()
    assert (payment.status, payment.needs_attention) == ("pending", True)
    assert "phone 254799999999" in payment.attention_reason


def test_an_unknown_checkout_request_is_kept_and_answered(api, pushed):
    response = callback(api, stk_callback("ws_CO_nobody", amount=5))

    assert response.status_code == 200
    notification = GatewayNotification.objects.get()
    assert (notification.outcome, notification.payment) == ("unknown", None)


@pytest.mark.parametrize(
    "body",
    [
        "not json at all",
        "[]",
        json.dumps({"Body": {}}),
        json.dumps({"Body": {"stkCallback": {"CheckoutRequestID": "ws_CO_1"}}}),
        json.dumps({"Body": {"stkCallback": {"CheckoutRequestID": "ws_CO_1", "ResultCode": "zero"}}}),
        json.dumps({"Body": {"stkCallback": {"CheckoutRequestID": "ws_CO_1", "ResultCode": 0}}}),
        json.dumps(stk_callback("ws_CO_1", amount="lots")),
        json.dumps(stk_callback("ws_CO_1", amount=-5)),
        json.dumps({"Body": {"stkCallback": {"CheckoutRequestID": ["ws_CO_1"], "ResultCode": 1032}}}),
    ],
)
def test_a_malformed_callback_is_a_400_and_kept_for_inspection(api, pushed, body):
    _order, payment = pushed

    response = callback(api, body)

    assert response.status_code == 400
    notification = GatewayNotification.objects.get()
    assert notification.outcome == "malformed"
    assert notification.body == body
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_a_callback_with_nul_bytes_is_a_400_and_kept_readable(api, pushed):
    # PostgreSQL text cannot hold NUL: storing the body as received used to answer 500 there.
    response = callback(api, b'{"Body": \x00}')

    assert response.status_code == 400
    notification = GatewayNotification.objects.get()
    assert notification.outcome == "malformed"
    assert notification.body == '{"Body": \ufffd}'


def test_a_huge_body_is_refused_without_reading_it_all(api, pushed):
    response = callback(api, b"{" + b" " * (2 * 1024 * 1024) + b"}")

    assert response.status_code == 400
    assert Payment.objects.get().status == "pending"


def test_a_wrong_token_is_a_404_and_stores_nothing(api, pushed):
    response = api.post("/api/v1/payments/callbacks/stk/guessed-token", stk_callback("ws_CO_1"), format="json")

    assert response.status_code == 404
    assert not GatewayNotification.objects.exists()
    assert Payment.objects.get().status == "pending"


def test_a_callback_from_outside_the_allow_list_is_refused_but_kept(api, pushed, settings):
    settings.MPESA_CALLBACK_ALLOWED_IPS = ["196.201.214.0/24", "196.201.213.44"]

    refused = callback(api, stk_callback("ws_CO_1", amount=2620), REMOTE_ADDR="10.0.0.8")
    accepted = callback(api, stk_callback("ws_CO_1", amount=2620), REMOTE_ADDR="196.201.214.200")

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert list(GatewayNotification.objects.order_by("id").values_list("outcome", "source_ip")) == [
        ("rejected", "10.0.0.8"),
        ("applied", "196.201.214.200"),
    ]


def test_a_success_after_the_reservation_expired_takes_the_stock_again(api, pushed, phone):
    order, _payment = pushed
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        reservations_expire()
    order.refresh_from_db()
    assert order.status == "failed"

    callback(api, stk_callback("ws_CO_1", amount=2620))

    order.refresh_from_db()
    assert (order.status, order.payment_status, order.needs_attention) == ("paid", "paid", False)
    assert stock(phone) == (3, 0)


def test_a_late_success_when_the_stock_is_gone_keeps_the_money_and_flags_the_order(api, pushed, phone):
    from catalog.models import ProductVariant

    order, payment = pushed
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        reservations_expire()
    ProductVariant.objects.filter(pk=phone.pk).update(stock_quantity=1)

    callback(api, stk_callback("ws_CO_1", amount=2620))

    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == "succeeded"
    assert (order.status, order.payment_status, order.needs_attention) == ("paid", "paid", True)
    assert payment.needs_attention is True


def test_a_second_payment_for_a_paid_order_is_kept_and_flagged_for_a_refund(api, daraja, pushed, phone):
    order, _first = pushed
    push_accepted(daraja, "ws_CO_2")
    from payments.services import mpesa_push

    second = mpesa_push(order=order, phone="0712345678")
    callback(api, stk_callback("ws_CO_1", amount=2620, receipt="R1"))

    callback(api, stk_callback("ws_CO_2", amount=2620, receipt="R2"))

    second.refresh_from_db()
    assert second.status == "succeeded"
    assert second.needs_attention is True
    order.refresh_from_db()
    assert order.amount_paid == Decimal("2620.00")


# --- Lost callbacks ---------------------------------------------------------------------------


def query_answers(daraja, body, status=200):
    daraja.expect_request("/mpesa/stkpushquery/v1/query").respond_with_json(body, status=status)


def test_refresh_applies_what_the_stk_query_says(daraja, customer_api, pushed, phone):
    order, payment = pushed
    query_answers(
        daraja,
        {
            "ResponseCode": "0",
            "ResultCode": "0",
            "ResultDesc": "The service request is processed successfully.",
            "CheckoutRequestID": "ws_CO_1",
            "MerchantRequestID": "1",
        },
    )

    response = customer_api.post(f"/api/v1/payments/{payment.pk}/refresh")

    assert response.status_code == 200
    assert response.json()["status"] == "succeeded"
    order.refresh_from_db()
    assert order.status == "paid"
    assert stock(phone) == (3, 0)


def test_a_callback_after_a_query_success_fills_in_the_receipt_only(api, daraja, customer_api, pushed, customer):
    _order, payment = pushed
    query_answers(daraja, {"ResponseCode": "0", "ResultCode": "0", "ResultDesc": "ok", "CheckoutRequestID": "ws_CO_1"})
    customer_api.post(f"/api/v1/payments/{payment.pk}/refresh")

    callback(api, stk_callback("ws_CO_1", amount=2620, receipt="QK99"))

    payment.refresh_from_db()
    assert payment.provider_reference == "QK99"
    customer.refresh_from_db()
    assert customer.orders_count == 1


def test_refresh_leaves_a_flagged_short_payment_to_staff(api, daraja, customer_api, pushed):
    order, payment = pushed
    callback(api, stk_callback("ws_CO_1", amount=10))  # flagged: 10 instead of 2,620
    query_answers(daraja, {"ResponseCode": "0", "ResultCode": "0", "ResultDesc": "ok", "CheckoutRequestID": "ws_CO_1"})

    response = customer_api.post(f"/api/v1/payments/{payment.pk}/refresh")

    assert response.json()["status"] == "pending"
    order.refresh_from_db()
    assert order.payment_status == "pending"
    assert not [r for r, _ in daraja.log if r.path.endswith("/query")]


def test_refresh_while_daraja_is_still_processing_keeps_it_pending(daraja, customer_api, pushed):
    _order, payment = pushed
    query_answers(
        daraja,
        {"requestId": "1", "errorCode": "500.001.1001", "errorMessage": "The transaction is being processed"},
        status=500,
    )

    response = customer_api.post(f"/api/v1/payments/{payment.pk}/refresh")

    assert response.json()["status"] == "pending"


def test_refresh_of_a_cancelled_request_fails_it(daraja, customer_api, pushed):
    _order, payment = pushed
    query_answers(daraja, {"ResponseCode": "0", "ResultCode": "1032", "ResultDesc": "Request cancelled by user"})

    assert customer_api.post(f"/api/v1/payments/{payment.pk}/refresh").json()["status"] == "failed"


def test_refresh_when_daraja_fails_is_a_502(daraja, customer_api, pushed):
    _order, payment = pushed
    daraja.expect_request("/mpesa/stkpushquery/v1/query").respond_with_data("down", status=503)

    response = customer_api.post(f"/api/v1/payments/{payment.pk}/refresh")

    assert response.status_code == 502
    assert Payment.objects.get().status == "pending"


def test_nobody_else_can_refresh_a_payment(daraja, pushed):
    _order, payment = pushed

    assert authenticated_client(UserFactory()).post(f"/api/v1/payments/{payment.pk}/refresh").status_code == 404


def test_reconciliation_asks_about_pending_payments_older_than_a_minute(daraja, pushed, capsys):
    _order, _payment = pushed
    query_answers(daraja, {"ResponseCode": "0", "ResultCode": "0", "ResultDesc": "ok"})

    call_command("mpesa_reconcile")  # too recent: left for its callback
    assert Payment.objects.get().status == "pending"
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        call_command("mpesa_reconcile")

    assert Payment.objects.get().status == "succeeded"
    assert "1 succeeded" in capsys.readouterr().out


# --- Simulation, cash, reading ----------------------------------------------------------------


@pytest.fixture
def simulated(settings):
    settings.PAYMENTS_SIMULATION = True
    settings.MPESA_CONSUMER_KEY = ""


def test_without_daraja_the_simulator_plays_safaricom(simulated, customer_api, address, phone):
    body = {
        "address_id": address.pk,
        "payment_method": "mpesa",
        "phone": "0712345678",
        "items": [{"variant_id": phone.pk, "quantity": 1}],
    }
    order = customer_api.post("/api/v1/orders", body, format="json").json()
    payment_id = order["payments"][0]["id"]

    response = customer_api.post(f"/api/v1/payments/{payment_id}/simulate", {"outcome": "success"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "succeeded"
    assert response.json()["provider_reference"].startswith("SIM")
    assert Order.objects.get(pk=order["id"]).status == OrderStatus.PAID
    assert Payment.objects.get().gateway == Gateway.SIMULATED


def test_a_simulated_failure_leaves_the_order_payable(simulated, customer_api, place, phone):
    order = place((phone, 1))
    payment = customer_api.post(
        "/api/v1/payments/mpesa/stk-push", {"order_id": order.pk, "phone": "0712345678"}, format="json"
    ).json()

    response = customer_api.post(f"/api/v1/payments/{payment['id']}/simulate", {"outcome": "failure"}, format="json")
    again = customer_api.post(f"/api/v1/payments/{payment['id']}/simulate", {"outcome": "success"}, format="json")

    assert response.json()["status"] == "failed"
    assert again.status_code == 409
    assert error_codes(again) == ["payment_not_pending"]


def test_simulation_switched_off_is_not_found(settings, customer_api, pushed):
    settings.PAYMENTS_SIMULATION = False
    _order, payment = pushed

    response = customer_api.post(f"/api/v1/payments/{payment.pk}/simulate", {"outcome": "success"}, format="json")

    assert response.status_code == 404
    assert Payment.objects.get().status == "pending"


def test_staff_record_cash_collected_on_delivery(staff_api, place, phone, customer):
    order = place((phone, 1), payment_method="cod")
    staff_api.post(f"/api/v1/orders/{order.pk}/status", {"status": "processing"}, format="json")

    response = staff_api.post(f"/api/v1/orders/{order.pk}/record-cash", {"amount": "1460.00"}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["payment_status"]) == ("processing", "paid")
    (payment,) = response.json()["payments"]
    assert (payment["method"], payment["status"], payment["amount"]) == ("cod", "succeeded", "1460.00")
    customer.refresh_from_db()
    assert customer.total_spent == Decimal("1460.00")
    again = staff_api.post(f"/api/v1/orders/{order.pk}/record-cash", {"amount": "1460.00"}, format="json")
    assert error_codes(again) == ["already_paid"]


def test_recording_cash_checks_the_amount_and_the_order(staff_api, customer_api, place, phone):
    cash = place((phone, 1), payment_method="cod")
    prepaid = place((phone, 1))

    wrong = staff_api.post(f"/api/v1/orders/{cash.pk}/record-cash", {"amount": "1000"}, format="json")
    not_cash = staff_api.post(f"/api/v1/orders/{prepaid.pk}/record-cash", {"amount": "1460.00"}, format="json")
    customer = customer_api.post(f"/api/v1/orders/{cash.pk}/record-cash", {"amount": "1460.00"}, format="json")
    unknown = staff_api.post("/api/v1/orders/999999/record-cash", {"amount": "1460.00"}, format="json")

    assert wrong.status_code == 400 and "1460.00" in wrong.json()["errors"][0]["detail"]
    assert error_codes(not_cash) == ["payment_method_unavailable"]
    assert customer.status_code == 403
    assert unknown.status_code == 404
    assert not Payment.objects.exists()


def test_customers_list_their_own_payments_and_staff_all(daraja, pushed, customer_api, staff_api):
    _order, payment = pushed
    other = authenticated_client(UserFactory())

    assert [row["id"] for row in customer_api.get("/api/v1/payments").json()["results"]] == [payment.pk]
    assert other.get("/api/v1/payments").json()["count"] == 0
    assert other.get(f"/api/v1/payments/{payment.pk}").status_code == 404
    assert staff_api.get("/api/v1/payments?status=pending&method=mpesa").json()["count"] == 1
    assert staff_api.get("/api/v1/payments?status=succeeded").json()["count"] == 0
    row = customer_api.get(f"/api/v1/payments/{payment.pk}").json()
    assert set(row) >= {
        "id",
        "order_id",
        "repair_id",
        "method",
        "amount",
        "currency",
        "status",
        "provider_reference",
        "checkout_request_id",
        "phone",
        "failure_reason",
        "created_at",
        "completed_at",
    }
    assert "client_secret" not in row


# --- Refunds of M-Pesa payments ---------------------------------------------------------------


def test_an_mpesa_refund_with_its_reversal_reference_is_settled(
    api, pushed, staff_api, django_capture_on_commit_callbacks
):
    order, payment = pushed
    callback(api, stk_callback("ws_CO_1", amount=2620))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.post(
            f"/api/v1/orders/{order.pk}/refund",
            {"reason": "Returned", "restock": True, "reference": "RVS123XYZ"},
            format="json",
        )

    assert response.json()["payment_status"] == "refunded"
    refund = order.refunds.get()
    assert (refund.status, refund.provider_reference) == ("succeeded", "RVS123XYZ")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED


def test_an_mpesa_refund_without_a_reference_waits_for_staff(
    api, pushed, customer_api, django_capture_on_commit_callbacks
):
    order, _payment = pushed
    callback(api, stk_callback("ws_CO_1", amount=2620, receipt="QKPAID"))

    with django_capture_on_commit_callbacks(execute=True):
        customer_api.post(f"/api/v1/orders/{order.pk}/cancel", {"reason": "Changed my mind"}, format="json")

    refund = order.refunds.get()
    assert refund.status == "pending"
    order.refresh_from_db()
    assert order.needs_attention is True
    assert "QKPAID" in order.attention_reason
