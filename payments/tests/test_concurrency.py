"""
Callbacks under load, with real threads on PostgreSQL: twenty copies of one success count the
money once and sell the stock once; a success racing the reservation expiry leaves stock right.
"""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from catalog.inventory import stock_adjust
from catalog.models import MovementReason, StockMovement
from catalog.tests.factories import VariantFactory
from core.testing import run_at_once
from orders.models import Order
from orders.services.lifecycle import reservations_expire
from orders.services.placement import ItemRequest, order_place
from payments.models import GatewayNotification, Payment
from payments.services import mpesa_payment_create, mpesa_payment_send
from payments.tests.conftest import CALLBACK_TOKEN, stk_callback

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
