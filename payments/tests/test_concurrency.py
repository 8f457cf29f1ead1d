"""
Payments under load, with real threads on PostgreSQL: twenty copies of one success count the
money once and sell the stock once; a success racing the reservation expiry leaves stock right;
two cash recordings at once count one payment; a short callback during an STK query stays flagged.
"""

import json
import threading
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone
from rest_framework.test import APIClient
from werkzeug import Response

from accounts.models import Role
from accounts.tests.factories import UserFactory
from catalog.inventory import stock_adjust
from catalog.models import MovementReason, StockMovement
from catalog.tests.factories import VariantFactory
from core.models import Event, EventType
from core.testing import authenticated_client, error_codes, run_at_once
from orders.models import Order
from orders.services.lifecycle import reservations_expire
from orders.services.placement import ItemRequest, order_place
from payments.models import GatewayNotification, Payment
from payments.services import mpesa_payment_create, mpesa_payment_send
from payments.tests.conftest import CALLBACK_TOKEN, push_accepted, stk_callback, token_ok

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ADDRESS = {"full_name": "A", "phone": "0712345678", "line1": "Moi Ave", "city": "Nairobi", "county": "Nairobi"}


@pytest.fixture(autouse=True)
def simulated_mpesa(settings):
    settings.PAYMENTS_SIMULATION = True
    settings.MPESA_CONSUMER_KEY = ""
    settings.MPESA_CALLBACK_TOKEN = CALLBACK_TOKEN


def pending_payment(units: int = 1):
    variant = VariantFactory(stock_quantity=0, reorder_point=0)
    stock_adjust(variant_id=variant.pk, delta=units, reason="restock")
    user = UserFactory()
    order = order_place(
        user=user, payment_method="mpesa", shipping_address=ADDRESS, items=[ItemRequest(variant.pk, units)]
    )
    payment = mpesa_payment_send(payment=mpesa_payment_create(order=order, phone="0712345678"))
    return variant, user, order, payment


def post_callback(body):
    return lambda: APIClient().post(f"/api/v1/payments/callbacks/stk/{CALLBACK_TOKEN}", body, format="json")


def test_twenty_identical_success_callbacks_at_once_count_one_payment_and_one_sale():
    variant, user, order, payment = pending_payment(units=2)
    body = stk_callback(payment.checkout_request_id, amount=int(payment.amount), receipt="QKRACE1")

    responses = run_at_once([post_callback(body)] * 20)

    assert [getattr(r, "status_code", repr(r)) for r in responses] == [200] * 20
    assert StockMovement.objects.filter(variant=variant, reason=MovementReason.SALE).count() == 1
    variant.refresh_from_db()
    assert (variant.stock_quantity, variant.reserved_quantity) == (0, 0)
    user.refresh_from_db()
    assert (user.orders_count, user.total_spent) == (1, order.total)
    assert Payment.objects.get().status == "succeeded"
    outcomes = sorted(GatewayNotification.objects.values_list("outcome", flat=True))
    assert outcomes == ["applied"] + ["duplicate"] * 19


def test_a_late_success_racing_the_reservation_expiry_leaves_stock_consistent():
    results = []
    for _ in range(6):
        variant, _user, order, payment = pending_payment(units=1)
        Order.objects.filter(pk=order.pk).update(reserved_until=timezone.now() - timedelta(seconds=1))
        body = stk_callback(payment.checkout_request_id, amount=int(payment.amount), receipt=f"QK{order.pk}")

        results += run_at_once([reservations_expire, post_callback(body)])

        order.refresh_from_db()
        variant.refresh_from_db()
        moved = StockMovement.objects.filter(variant=variant).aggregate(
            on_hand=Sum("delta"), held=Sum("reserved_delta")
        )
        assert (variant.stock_quantity, variant.reserved_quantity) == (moved["on_hand"], moved["held"])
        assert (order.status, order.payment_status) == ("paid", "paid")
        assert (variant.stock_quantity, variant.reserved_quantity) == (0, 0)
    assert not [r for r in results if isinstance(r, Exception)]


def test_two_record_cash_clicks_at_once_make_one_cash_payment_and_the_second_answers_409_already_paid():
    staff = UserFactory(role=Role.STAFF)
    for _ in range(5):
        variant = VariantFactory(stock_quantity=0, reorder_point=0)
        stock_adjust(variant_id=variant.pk, delta=1, reason="restock")
        customer = UserFactory()
        order = order_place(
            user=customer, payment_method="cod", shipping_address=ADDRESS, items=[ItemRequest(variant.pk, 1)]
        )

        def record_cash(order=order):
            return authenticated_client(staff).post(
                f"/api/v1/orders/{order.pk}/record-cash", {"amount": str(order.total)}, format="json"
            )

        responses = run_at_once([record_cash, record_cash])

        assert sorted(getattr(r, "status_code", repr(r)) for r in responses) == [200, 409]
        refused = next(r for r in responses if r.status_code == 409)
        assert error_codes(refused) == ["already_paid"]
        assert Payment.objects.filter(order=order).count() == 1
        succeeded = Event.objects.filter(type=EventType.PAYMENT_SUCCEEDED, payload__order_id=order.pk)
        assert succeeded.count() == 1
        assert Event.objects.filter(type=EventType.ORDER_PAID, payload__order_id=order.pk).count() == 1
        customer.refresh_from_db()
        assert (customer.orders_count, customer.total_spent) == (1, order.total)


def test_a_short_callback_landing_during_the_stk_query_keeps_the_payment_flagged_not_paid_in_full(daraja):
    token_ok(daraja)
    push_accepted(daraja, "ws_CO_short")
    variant = VariantFactory(stock_quantity=0, reorder_point=0)
    stock_adjust(variant_id=variant.pk, delta=1, reason="restock")
    customer = UserFactory()
    order = order_place(
        user=customer, payment_method="mpesa", shipping_address=ADDRESS, items=[ItemRequest(variant.pk, 1)]
    )
    payment = mpesa_payment_send(payment=mpesa_payment_create(order=order, phone="0712345678"))
    assert payment.gateway == "mpesa"
    query_arrived, callback_applied = threading.Event(), threading.Event()

    def query_says_paid_once_the_callback_is_in(request):
        query_arrived.set()
        callback_applied.wait(timeout=10)
        return Response(
            json.dumps(
                {"ResponseCode": "0", "ResultCode": "0", "ResultDesc": "ok", "CheckoutRequestID": "ws_CO_short"}
            ),
            content_type="application/json",
        )

    daraja.expect_request("/mpesa/stkpushquery/v1/query").respond_with_handler(query_says_paid_once_the_callback_is_in)

    def refresh():
        return authenticated_client(customer).post(f"/api/v1/payments/{payment.pk}/refresh")

    def short_callback():
        query_arrived.wait(timeout=10)
        try:
            return post_callback(stk_callback("ws_CO_short", amount=10, receipt="QKSHORT1"))()
        finally:
            callback_applied.set()

    refreshed, called_back = run_at_once([refresh, short_callback])

    assert (getattr(refreshed, "status_code", repr(refreshed)), called_back.status_code) == (200, 200)
    assert refreshed.json()["status"] == "pending"
    payment.refresh_from_db()
    assert (payment.status, payment.needs_attention) == ("pending", True)
    assert "amount 10 instead of" in payment.attention_reason
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.amount_paid) == ("pending", "pending", 0)
    customer.refresh_from_db()
    assert customer.orders_count == 0
