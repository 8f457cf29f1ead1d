"""
Checkout under load, with real threads on PostgreSQL: the last units go to exactly as many buyers
as there are units, opposite line orders never deadlock, a late payment racing the reservation
expiry leaves the stock right, and one Idempotency-Key makes one order however many retries race.
"""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.inventory import stock_adjust
from catalog.models import ProductVariant, StockMovement
from catalog.tests.factories import VariantFactory
from core.testing import authenticated_client, run_at_once
from orders.models import Order, OrderStatus
from orders.services.lifecycle import order_mark_paid, reservations_expire
from orders.services.placement import ItemRequest, order_place

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ADDRESS = {"full_name": "A", "phone": "0712345678", "line1": "Moi Ave", "city": "Nairobi", "county": "Nairobi"}


def checkout(client, *items, **headers):
    body = {"shipping_address": ADDRESS, "payment_method": "mpesa",
            "items": [{"variant_id": variant.pk, "quantity": quantity} for variant, quantity in items]}  # fmt: skip
    return lambda: client.post("/api/v1/orders", body, format="json", **headers)


def stocked(units: int):
    """A variant whose opening stock is a movement, so the movements add up to what is on the shelf."""
    variant = VariantFactory(stock_quantity=0, reorder_point=0)
    stock_adjust(variant_id=variant.pk, delta=units, reason="restock")
    return variant


def assert_stock_matches_movements(variant):
    variant.refresh_from_db()
    moved = StockMovement.objects.filter(variant=variant).aggregate(on_hand=Sum("delta"), held=Sum("reserved_delta"))
    assert (variant.stock_quantity, variant.reserved_quantity) == (moved["on_hand"], moved["held"] or 0)
    assert 0 <= variant.reserved_quantity <= variant.stock_quantity


def test_thirty_customers_for_the_last_five_units_get_five_orders_and_twenty_five_out_of_stock():
    phone = stocked(5)
    clients = [authenticated_client(UserFactory()) for _ in range(30)]

    responses = run_at_once([checkout(client, (phone, 1)) for client in clients])

    codes = sorted(getattr(r, "status_code", repr(r)) for r in responses)
    assert codes == [201] * 5 + [409] * 25
    assert all(r.json()["errors"][0]["code"] == "out_of_stock" for r in responses if r.status_code == 409)
    assert Order.objects.count() == 5
    phone.refresh_from_db()
    assert (phone.stock_quantity, phone.reserved_quantity) == (5, 5)
    assert_stock_matches_movements(phone)


def test_orders_with_lines_in_opposite_orders_do_not_deadlock():
    first, second = VariantFactory(stock_quantity=100), VariantFactory(stock_quantity=100)
    clients = [authenticated_client(UserFactory()) for _ in range(16)]

    responses = run_at_once(
        [checkout(client, (first, 1), (second, 1)) if n % 2 else checkout(client, (second, 1), (first, 1))
         for n, client in enumerate(clients)]
    )  # fmt: skip

    assert [getattr(r, "status_code", repr(r)) for r in responses] == [201] * 16
    assert set(ProductVariant.objects.values_list("reserved_quantity", flat=True)) == {16}


def test_late_payments_racing_the_reservation_expiry_leave_stock_consistent():
    phone = stocked(8)
    users = [UserFactory() for _ in range(8)]
    orders = [
        order_place(user=user, payment_method="mpesa", shipping_address=ADDRESS, items=[ItemRequest(phone.pk, 1)])
        for user in users
    ]
    Order.objects.update(reserved_until=timezone.now() - timedelta(minutes=1))

    def pay(order):
        return lambda: order_mark_paid(order=order, amount=order.total, reference=f"R{order.pk}")

    results = run_at_once([reservations_expire, reservations_expire] + [pay(order) for order in orders])

    assert not [r for r in results if isinstance(r, Exception)], results
    assert set(Order.objects.values_list("status", "payment_status")) == {(OrderStatus.PAID, "paid")}
    assert not Order.objects.filter(needs_attention=True).exists()
    phone.refresh_from_db()
    assert (phone.stock_quantity, phone.reserved_quantity) == (0, 0)
    assert_stock_matches_movements(phone)


def test_one_idempotency_key_makes_one_order_however_many_retries_race():
    phone = VariantFactory(stock_quantity=10)
    client = authenticated_client(UserFactory())

    responses = run_at_once([checkout(client, (phone, 1), HTTP_IDEMPOTENCY_KEY="tap-tap-tap")] * 6)

    assert [getattr(r, "status_code", repr(r)) for r in responses] == [201] * 6
    assert len({r.json()["id"] for r in responses}) == 1
    assert Order.objects.count() == 1
    phone.refresh_from_db()
    assert phone.reserved_quantity == 1


def test_twenty_identical_payments_at_once_count_the_order_once():
    phone = stocked(3)
    user = UserFactory()
    order = order_place(user=user, payment_method="mpesa", shipping_address=ADDRESS, items=[ItemRequest(phone.pk, 2)])

    results = run_at_once([lambda: order_mark_paid(order=order, amount=order.total, reference="QK1")] * 20)

    assert not [r for r in results if isinstance(r, Exception)], results
    user.refresh_from_db()
    assert (user.orders_count, user.total_spent) == (1, order.total)
    assert_stock_matches_movements(phone)
    assert (phone.stock_quantity, phone.reserved_quantity) == (1, 0)
    assert Order.objects.get().amount_paid == order.total
