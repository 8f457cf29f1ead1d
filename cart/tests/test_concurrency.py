"""
Many requests on one cart at once, with real threads on PostgreSQL: no add is lost, the
one-line-per-variant and one-cart-per-user constraints never surface as errors.
"""

import threading

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from cart import services
from cart.models import Cart, CartItem, WishlistItem
from catalog.tests.factories import VariantFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_at_once(actions) -> list[str]:
    """Run each callable in its own thread, released together; return "ok" or the error's name."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = [""] * len(actions)

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            actions[index]()
            outcomes[index] = "ok"
        except Exception as exc:  # a lost race must show in the assertion, not kill the thread silently
            outcomes[index] = type(exc).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_ten_simultaneous_adds_of_one_variant_make_one_line_of_ten():
    cart = services.cart_for_user(user=UserFactory())
    variant = VariantFactory(stock_quantity=50)

    outcomes = run_at_once([lambda: services.cart_add_item(cart=cart, variant=variant, quantity=1)] * 10)

    assert outcomes == ["ok"] * 10
    assert list(CartItem.objects.filter(cart=cart).values_list("quantity", flat=True)) == [10]


def test_simultaneous_adds_never_pass_the_per_line_limit_together():
    cart = services.cart_for_user(user=UserFactory())
    variant = VariantFactory(stock_quantity=50)

    outcomes = run_at_once([lambda: services.cart_add_item(cart=cart, variant=variant, quantity=3)] * 6)

    assert outcomes.count("ok") == 3  # 9 of the 10 allowed; the others are refused, not lost
    assert outcomes.count("ValidationError") == 3
    assert CartItem.objects.get(cart=cart).quantity == 9


def test_a_users_first_requests_at_once_share_one_cart():
    user = UserFactory()
    found: list[int] = []

    outcomes = run_at_once([lambda: found.append(services.cart_for_user(user=user).pk)] * 8)

    assert outcomes == ["ok"] * 8
    assert len(set(found)) == 1
    assert Cart.objects.filter(user=user).count() == 1


def test_simultaneous_wishlist_adds_keep_one_row():
    user, variant = UserFactory(), VariantFactory()

    outcomes = run_at_once([lambda: services.wishlist_add(user=user, product=variant.product)] * 6)

    assert outcomes == ["ok"] * 6
    assert WishlistItem.objects.filter(user=user).count() == 1
