"""
Many buyers at once, with real threads on PostgreSQL: the last units are never sold twice and
multi-line orders taken in opposite orders do not deadlock.
"""

from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from catalog.inventory import InsufficientStock, StockLine, stock_reserve
from catalog.models import Coupon, CouponRedemption, ProductVariant, StockMovement
from catalog.services.discounts import coupon_redeem
from catalog.tests.factories import VariantFactory
from core.testing import run_at_once as core_run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_at_once(actions) -> list[str]:
    """Each action's outcome: "ok", "out_of_stock", or the name of any other error."""
    named = {InsufficientStock: "out_of_stock"}
    return [
        named.get(type(result), type(result).__name__) if isinstance(result, Exception) else "ok"
        for result in core_run_at_once(actions)
    ]


def test_twenty_buyers_for_the_last_five_units_get_exactly_five_reservations():
    variant = VariantFactory(stock_quantity=5)

    outcomes = run_at_once([lambda: stock_reserve(lines=[StockLine(variant.pk, 1)])] * 20)

    assert outcomes.count("ok") == 5
    assert outcomes.count("out_of_stock") == 15
    variant.refresh_from_db()
    assert (variant.stock_quantity, variant.reserved_quantity) == (5, 5)
    assert StockMovement.objects.filter(variant=variant, reason="reservation").count() == 5


def test_orders_with_the_same_lines_in_opposite_orders_do_not_deadlock():
    first, second = VariantFactory(stock_quantity=100), VariantFactory(stock_quantity=100)
    forward = [StockLine(first.pk, 1), StockLine(second.pk, 1)]
    backward = [StockLine(second.pk, 1), StockLine(first.pk, 1)]

    outcomes = run_at_once([lambda lines=lines: stock_reserve(lines=lines) for lines in [forward, backward] * 10])

    assert outcomes == ["ok"] * 20
    assert set(ProductVariant.objects.values_list("reserved_quantity", flat=True)) == {20}


def test_ten_checkouts_racing_for_the_last_three_uses_of_a_coupon_get_exactly_three():
    coupon = Coupon.objects.create(code="LAST3", kind="fixed", value=Decimal("10"), max_uses=3)
    users = [UserFactory() for _ in range(10)]

    def redeem(user, order_id):
        return lambda: coupon_redeem(coupon=coupon, user=user, order_id=order_id, subtotal=Decimal("100"))

    outcomes = run_at_once([redeem(user, n) for n, user in enumerate(users, start=1)])

    assert outcomes.count("ok") == 3
    assert outcomes.count("ValidationError") == 7
    coupon.refresh_from_db()
    assert coupon.times_used == 3
    assert CouponRedemption.objects.count() == 3
