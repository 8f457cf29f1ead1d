"""Anonymous carts left alone for 30 days are removed; customers' carts stay."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from cart.models import Cart, CartItem
from cart.tasks import carts_purge_idle
from cart.tests.factories import CartFactory, CartItemFactory
from catalog.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def made_days_ago(days: float, **fields) -> Cart:
    with time_machine.travel(timezone.now() - timedelta(days=days)):
        return CartItemFactory(cart=CartFactory(**fields)).cart


def test_anonymous_carts_idle_over_30_days_are_deleted_with_their_lines():
    stale = made_days_ago(31)
    fresh = made_days_ago(29)

    assert carts_purge_idle.delay().get() == 1

    assert list(Cart.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not CartItem.objects.filter(cart_id=stale.pk).exists()


def test_user_carts_are_kept_however_old(customer):
    kept = made_days_ago(400, user=customer)

    assert carts_purge_idle() == 0

    assert Cart.objects.filter(pk=kept.pk).exists()


def test_a_change_resets_the_idle_clock(api):
    cart = made_days_ago(29)
    variant = VariantFactory()
    api.post("/api/v1/cart/items", {"variant_id": variant.pk, "quantity": 1}, format="json",
             HTTP_X_CART_TOKEN=str(cart.token))  # fmt: skip

    with time_machine.travel(timezone.now() + timedelta(days=5)):
        assert carts_purge_idle() == 0

    assert Cart.objects.filter(pk=cart.pk).exists()


def test_a_purged_token_gets_a_new_empty_cart(api):
    stale = made_days_ago(31)
    carts_purge_idle()

    body = api.get("/api/v1/cart", HTTP_X_CART_TOKEN=str(stale.token)).json()

    assert body["token"] != str(stale.token)
    assert body["items"] == []
