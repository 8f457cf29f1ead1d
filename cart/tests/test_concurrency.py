"""
Many requests on one cart at once, with real threads on PostgreSQL: no add is lost, the
one-line-per-variant and one-cart-per-user constraints never surface as errors.
"""

import pytest

from accounts.tests.factories import UserFactory
from cart import services
from cart.models import Cart, CartItem, WishlistItem
from catalog.tests.factories import VariantFactory
from core.testing import outcomes_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_simultaneous_adds_of_one_variant_make_one_line_of_ten():
    cart = services.cart_for_user(user=UserFactory())
    variant = VariantFactory(stock_quantity=50)

    outcomes = outcomes_at_once([lambda: services.cart_add_item(cart=cart, variant=variant, quantity=1)] * 10)

    assert outcomes == ["ok"] * 10
    assert list(CartItem.objects.filter(cart=cart).values_list("quantity", flat=True)) == [10]


def test_simultaneous_adds_never_pass_the_per_line_limit_together():
    cart = services.cart_for_user(user=UserFactory())
    variant = VariantFactory(stock_quantity=50)

    outcomes = outcomes_at_once([lambda: services.cart_add_item(cart=cart, variant=variant, quantity=3)] * 6)

    assert outcomes.count("ok") == 3  # 9 of the 10 allowed; the others are refused, not lost
    assert outcomes.count("ValidationError") == 3
    assert CartItem.objects.get(cart=cart).quantity == 9


def test_a_users_first_requests_at_once_share_one_cart():
    user = UserFactory()
    found: list[int] = []

    outcomes = outcomes_at_once([lambda: found.append(services.cart_for_user(user=user).pk)] * 8)

    assert outcomes == ["ok"] * 8
    assert len(set(found)) == 1
    assert Cart.objects.filter(user=user).count() == 1


def test_simultaneous_wishlist_adds_keep_one_row():
    user, variant = UserFactory(), VariantFactory()

    outcomes = outcomes_at_once([lambda: services.wishlist_add(user=user, product=variant.product)] * 6)

    assert outcomes == ["ok"] * 6
    assert WishlistItem.objects.filter(user=user).count() == 1
