"""Signing in with an anonymous cart: its lines join the user's cart."""

import uuid
from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from cart.models import Cart, CartItem
from cart.tests.factories import CartFactory, CartItemFactory, CouponFactory
from catalog.inventory import StockLine, stock_reserve
from catalog.models import ProductVariant
from catalog.tests.factories import VariantFactory
from core.models import StoreSettings
from core.store import store_settings_record
from core.testing import error_attrs, error_codes

pytestmark = pytest.mark.django_db


def merge(client, token):
    return client.post("/api/v1/cart/merge", {"cart_token": str(token)}, format="json")


def lines(cart: Cart) -> dict[int, int]:
    return dict(cart.items.values_list("variant_id", "quantity"))


@pytest.fixture
def my_cart(customer) -> Cart:
    return CartFactory(user=customer)


def test_the_anonymous_lines_move_into_the_users_cart_and_the_anonymous_cart_goes(customer_api, my_cart):
    mine = CartItemFactory(cart=my_cart, quantity=1)
    anonymous = CartFactory()
    shared = CartItemFactory(cart=anonymous, variant=mine.variant, quantity=2)
    new = CartItemFactory(cart=anonymous, quantity=3)

    response = merge(customer_api, anonymous.token)

    assert response.status_code == 200, response.content
    assert response.json()["token"] == str(my_cart.token)
    assert {item["variant_id"]: item["quantity"] for item in response.json()["items"]} == {
        shared.variant_id: 3, new.variant_id: 3
    }  # fmt: skip
    assert not Cart.objects.filter(pk=anonymous.pk).exists()
    assert not CartItem.objects.filter(cart_id=anonymous.pk).exists()


def test_merged_quantities_are_capped_by_available_stock(customer_api, my_cart):
    variant = VariantFactory(stock_quantity=6)
    stock_reserve(lines=[StockLine(variant.pk, 2)])  # 4 available
    CartItemFactory(cart=my_cart, variant=variant, quantity=3)
    anonymous = CartItemFactory(variant=variant, quantity=3).cart

    merge(customer_api, anonymous.token)

    assert lines(my_cart) == {variant.pk: 4}


def test_merged_quantities_are_capped_by_the_per_line_limit(customer_api, my_cart):
    store_settings_record()
    StoreSettings.objects.update(max_quantity_per_line=5)
    variant = VariantFactory(stock_quantity=100)
    CartItemFactory(cart=my_cart, variant=variant, quantity=4)
    anonymous = CartItemFactory(variant=variant, quantity=4).cart

    merge(customer_api, anonymous.token)

    assert lines(my_cart) == {variant.pk: 5}


def test_lines_capped_to_nothing_are_dropped(customer_api, my_cart):
    sold_out = VariantFactory(stock_quantity=1)
    stock_reserve(lines=[StockLine(sold_out.pk, 1)])
    retired = VariantFactory()
    anonymous = CartFactory()
    CartItemFactory(cart=anonymous, variant=sold_out, quantity=1)
    CartItemFactory(cart=anonymous, variant=retired, quantity=1)
    ProductVariant.objects.filter(pk=retired.pk).update(is_active=False)

    response = merge(customer_api, anonymous.token)

    assert response.json()["items"] == []
    assert not Cart.objects.filter(pk=anonymous.pk).exists()


def test_merging_never_lowers_a_line_the_user_already_had(customer_api, my_cart):
    variant = VariantFactory(stock_quantity=5)
    CartItemFactory(cart=my_cart, variant=variant, quantity=5)
    stock_reserve(lines=[StockLine(variant.pk, 3)])  # now only 2 available
    anonymous = CartItemFactory(variant=variant, quantity=1).cart

    merge(customer_api, anonymous.token)

    assert lines(my_cart) == {variant.pk: 5}


def test_a_moved_line_keeps_its_price_snapshot_so_a_change_is_still_flagged(customer_api, my_cart):
    variant = VariantFactory(price=Decimal("1000.00"))
    anonymous = CartItemFactory(variant=variant, price_when_added=Decimal("900.00")).cart

    warnings = merge(customer_api, anonymous.token).json()["warnings"]

    assert [w["code"] for w in warnings] == ["price_changed"]


def test_the_anonymous_coupon_is_adopted_when_the_user_has_none(customer_api, my_cart):
    anonymous = CartFactory(coupon=CouponFactory(code="ANON10"))
    CartItemFactory(cart=anonymous)

    response = merge(customer_api, anonymous.token)

    assert response.json()["coupon"]["code"] == "ANON10"
    my_cart.refresh_from_db()
    assert my_cart.coupon.code == "ANON10"


def test_the_users_own_coupon_wins_over_the_anonymous_one(customer_api, my_cart):
    my_cart.coupon = CouponFactory(code="MINE")
    my_cart.save()
    anonymous = CartFactory(coupon=CouponFactory(code="THEIRS"))

    assert merge(customer_api, anonymous.token).json()["coupon"]["code"] == "MINE"


def test_a_users_cart_token_is_refused_like_an_unknown_one(customer_api, my_cart):
    someone = CartFactory(user=UserFactory())
    CartItemFactory(cart=someone, quantity=2)

    refused = merge(customer_api, someone.token)
    unknown = merge(customer_api, uuid.uuid4())

    for response in (refused, unknown):
        assert response.status_code == 400
        assert (error_codes(response), error_attrs(response)) == (["does_not_exist"], ["cart_token"])
    assert refused.json()["errors"][0]["detail"] == unknown.json()["errors"][0]["detail"]
    assert someone.items.get().quantity == 2
    assert my_cart.items.count() == 0


def test_merging_the_users_own_cart_token_changes_nothing(customer_api, my_cart):
    item = CartItemFactory(cart=my_cart, quantity=2)

    response = merge(customer_api, my_cart.token)

    assert response.status_code == 200
    assert [(i["id"], i["quantity"]) for i in response.json()["items"]] == [(item.pk, 2)]
    assert Cart.objects.filter(pk=my_cart.pk).exists()


def test_merge_creates_the_users_cart_when_they_had_none(customer_api, customer):
    moved = CartItemFactory(quantity=2)

    response = merge(customer_api, moved.cart.token)

    assert response.status_code == 200
    assert lines(Cart.objects.get(user=customer)) == {moved.variant_id: 2}


def test_merge_needs_a_signed_in_user(api):
    anonymous = CartItemFactory().cart

    response = merge(api, anonymous.token)

    assert response.status_code == 401
    assert Cart.objects.filter(pk=anonymous.pk).exists()


def test_a_malformed_cart_token_answers_400_on_cart_token(customer_api):
    response = merge(customer_api, "not-a-token")

    assert (response.status_code, error_attrs(response)) == (400, ["cart_token"])
