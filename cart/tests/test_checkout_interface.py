"""What the orders app calls: the user's cart ready for pricing, and emptying it inside the order's transaction."""

import pytest
from django.db import transaction

from cart.models import Cart, CartItem
from cart.selectors import cart_of_user
from cart.services import cart_clear
from cart.tests.factories import CartFactory, CartItemFactory, CouponFactory
from catalog.pricing import ActivePromotions, price_lines

pytestmark = pytest.mark.django_db


def test_cart_of_user_is_none_without_a_cart_and_creates_nothing(customer):
    assert cart_of_user(user=customer) is None
    assert not Cart.objects.exists()


def test_cart_of_user_loads_lines_ready_for_pricing_in_two_queries(customer, django_assert_num_queries):
    cart = CartFactory(user=customer, coupon=CouponFactory())
    CartItemFactory.create_batch(5, cart=cart)

    with django_assert_num_queries(2):  # the cart with its coupon, then the lines with variant, product, category
        found = cart_of_user(user=customer)
        items = list(found.items.all())
        assert found.coupon.code
    with django_assert_num_queries(0):
        lines = price_lines(((item.variant, item.quantity) for item in items), promotions=ActivePromotions())

    assert found.pk == cart.pk
    assert len(lines) == 5


def test_cart_clear_removes_lines_and_coupon_but_keeps_the_cart(customer):
    cart = CartFactory(user=customer, coupon=CouponFactory())
    CartItemFactory.create_batch(2, cart=cart)
    before = cart.updated_at

    cart_clear(cart=cart_of_user(user=customer))

    cart.refresh_from_db()
    assert (cart.items.count(), cart.coupon, cart.updated_at > before) == (0, None, True)


def test_cart_clear_is_undone_when_the_order_fails(customer):
    cart = CartFactory(user=customer, coupon=CouponFactory())
    CartItemFactory(cart=cart)

    with pytest.raises(RuntimeError), transaction.atomic():
        cart_clear(cart=cart)
        raise RuntimeError("payment set-up failed")

    cart.refresh_from_db()
    assert (CartItem.objects.filter(cart=cart).count(), cart.coupon is not None) == (1, True)
