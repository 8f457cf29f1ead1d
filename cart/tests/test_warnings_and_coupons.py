"""What the cart tells the shopper on every read: prices and stock that moved, coupons that stopped applying."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cart.models import Cart
from cart.tests.factories import CartFactory, CartItemFactory, CouponFactory
from catalog.inventory import StockLine, stock_reserve
from catalog.models import Coupon, CouponRedemption, ProductVariant, Promotion
from core.testing import error_attrs, error_codes

pytestmark = pytest.mark.django_db


def cart_body(client) -> dict:
    response = client.get("/api/v1/cart")
    assert response.status_code == 200, response.content
    return response.json()


def warnings_of(client) -> list[tuple[str, int | None]]:
    return [(warning["code"], warning["item_id"]) for warning in cart_body(client)["warnings"]]


@pytest.fixture
def my_cart(customer) -> Cart:
    return CartFactory(user=customer)


# --- Line warnings ------------------------------------------------------------------------------------


def test_a_price_rise_since_adding_is_flagged_with_old_and_new_price(customer_api, my_cart):
    item = CartItemFactory(cart=my_cart, variant__price=Decimal("1000.00"), variant__product__name="Tecno Pop 8")
    ProductVariant.objects.filter(pk=item.variant_id).update(price=Decimal("1200.00"))

    (warning,) = cart_body(customer_api)["warnings"]

    assert (warning["code"], warning["item_id"]) == ("price_changed", item.pk)
    assert "Tecno Pop 8" in warning["detail"]
    assert "1000.00" in warning["detail"] and "1200.00" in warning["detail"]


def test_a_promotion_since_adding_is_a_price_change_too(customer_api, my_cart):
    item = CartItemFactory(cart=my_cart, variant__price=Decimal("1000.00"))
    Promotion.objects.create(name="Flash", kind="fixed", value=Decimal("100")).products.add(item.variant.product)

    cart = cart_body(customer_api)

    assert cart["items"][0]["unit_price"] == "900.00"
    assert [w["code"] for w in cart["warnings"]] == ["price_changed"]


def test_setting_the_quantity_acknowledges_the_new_price(customer_api, my_cart):
    item = CartItemFactory(cart=my_cart, variant__price=Decimal("1000.00"))
    ProductVariant.objects.filter(pk=item.variant_id).update(price=Decimal("1200.00"))

    response = customer_api.patch(f"/api/v1/cart/items/{item.pk}", {"quantity": 1}, format="json")

    assert response.json()["warnings"] == []
    item.refresh_from_db()
    assert item.price_when_added == Decimal("1200.00")


def test_adding_more_acknowledges_the_new_price(customer_api, my_cart):
    item = CartItemFactory(cart=my_cart, variant__price=Decimal("1000.00"))
    ProductVariant.objects.filter(pk=item.variant_id).update(price=Decimal("900.00"))

    response = customer_api.post("/api/v1/cart/items", {"variant_id": item.variant_id, "quantity": 1}, format="json")

    assert response.status_code == 201
    assert response.json()["warnings"] == []


def test_stock_below_the_quantity_is_flagged_stock_low(customer_api, my_cart):
    item = CartItemFactory(cart=my_cart, quantity=4, variant__stock_quantity=6)
    stock_reserve(lines=[StockLine(item.variant_id, 3)])

    cart = cart_body(customer_api)

    assert [(w["code"], w["item_id"]) for w in cart["warnings"]] == [("stock_low", item.pk)]
    assert cart["items"][0]["available"] == 3


def test_nothing_left_is_flagged_out_of_stock(customer_api, my_cart):
    item = CartItemFactory(cart=my_cart, quantity=1, variant__stock_quantity=2)
    stock_reserve(lines=[StockLine(item.variant_id, 2)])

    assert warnings_of(customer_api) == [("out_of_stock", item.pk)]


@pytest.mark.parametrize("retire", ["variant", "product"])
def test_a_variant_or_product_no_longer_sold_is_flagged_out_of_stock(customer_api, my_cart, retire):
    item = CartItemFactory(cart=my_cart)
    target = item.variant if retire == "variant" else item.variant.product
    type(target).objects.filter(pk=target.pk).update(is_active=False)

    cart = cart_body(customer_api)

    assert [(w["code"], w["item_id"]) for w in cart["warnings"]] == [("out_of_stock", item.pk)]
    assert cart["items"][0]["available"] == 0


def test_a_line_that_can_be_bought_as_it_is_has_no_warning(customer_api, my_cart):
    CartItemFactory(cart=my_cart, quantity=2, variant__stock_quantity=2)

    assert warnings_of(customer_api) == []


# --- Coupons ------------------------------------------------------------------------------------------


def apply(client, code: str):
    return client.post("/api/v1/cart/coupon", {"code": code}, format="json")


def test_a_coupon_comes_off_the_goods_and_is_shown_with_its_discount(customer_api, my_cart):
    CouponFactory(code="KARIBU10", kind="percentage", value=Decimal("10"))
    CartItemFactory(cart=my_cart, variant__price=Decimal("2000.00"), quantity=2)

    response = apply(customer_api, "karibu10")

    assert response.status_code == 200, response.content
    cart = response.json()
    assert cart["coupon"] == {"code": "KARIBU10", "discount": "400.00"}
    assert (cart["subtotal"], cart["discount_total"], cart["shipping_fee"], cart["total"]) == (
        "4000.00", "400.00", "300.00", "3900.00"
    )  # fmt: skip
    assert cart["tax_total"] == "537.93"  # 3900 x 16 / 116
    my_cart.refresh_from_db()
    assert my_cart.coupon.code == "KARIBU10"


def test_an_unknown_coupon_answers_400_coupon_invalid_on_code(customer_api, my_cart):
    response = apply(customer_api, "NOPE")

    assert response.status_code == 400
    assert (error_codes(response), error_attrs(response)) == (["coupon_invalid"], ["code"])


def test_an_expired_coupon_answers_400_coupon_expired(customer_api, my_cart):
    CouponFactory(code="OLD", ends_at=timezone.now() - timedelta(days=1))

    response = apply(customer_api, "OLD")

    assert (response.status_code, error_codes(response)) == (400, ["coupon_expired"])
    my_cart.refresh_from_db()
    assert my_cart.coupon is None


def test_a_coupon_under_its_minimum_subtotal_is_refused(customer_api, my_cart):
    CouponFactory(code="BIG", min_subtotal=Decimal("5000.00"))
    CartItemFactory(cart=my_cart, variant__price=Decimal("4999.00"))

    assert error_codes(apply(customer_api, "BIG")) == ["coupon_invalid"]


def test_a_refused_coupon_keeps_the_one_already_applied(customer_api, my_cart):
    first = CouponFactory(code="FIRST")
    assert apply(customer_api, "FIRST").status_code == 200

    apply(customer_api, "NOPE")

    my_cart.refresh_from_db()
    assert my_cart.coupon == first


def test_an_anonymous_cart_takes_a_coupon_too(api):
    CouponFactory(code="ANON", kind="fixed", value=Decimal("50"))
    token = api.get("/api/v1/cart").json()["token"]

    response = api.post("/api/v1/cart/coupon", {"code": "ANON"}, format="json", HTTP_X_CART_TOKEN=token)

    assert response.json()["coupon"] == {"code": "ANON", "discount": "0.00"}
    assert Cart.objects.get(token=token).coupon.code == "ANON"


def test_delete_coupon_removes_it(customer_api, my_cart):
    my_cart.coupon = CouponFactory()
    my_cart.save()
    CartItemFactory(cart=my_cart, variant__price=Decimal("1000.00"))

    cart = customer_api.delete("/api/v1/cart/coupon").json()

    assert (cart["coupon"], cart["discount_total"], cart["total"]) == (None, "0.00", "1300.00")
    my_cart.refresh_from_db()
    assert my_cart.coupon is None


def test_a_coupon_that_expired_while_attached_is_dropped_with_a_warning(customer_api, my_cart):
    coupon = CouponFactory(code="WEEKEND", ends_at=timezone.now() + timedelta(hours=1))
    my_cart.coupon = coupon
    my_cart.save()
    CartItemFactory(cart=my_cart, variant__price=Decimal("1000.00"))

    Coupon.objects.filter(pk=coupon.pk).update(ends_at=timezone.now() - timedelta(minutes=1))  # time passes

    cart = cart_body(customer_api)

    assert (cart["coupon"], cart["discount_total"], cart["total"]) == (None, "0.00", "1300.00")
    (warning,) = cart["warnings"]
    assert (warning["code"], warning["item_id"]) == ("coupon_expired", None)
    assert "WEEKEND" in warning["detail"]
    my_cart.refresh_from_db()
    assert my_cart.coupon is None
    assert cart_body(customer_api)["warnings"] == []  # told once


def test_a_coupon_whose_minimum_is_no_longer_reached_is_dropped(customer_api, my_cart):
    CouponFactory(code="MIN2K", min_subtotal=Decimal("2000.00"))
    item = CartItemFactory(cart=my_cart, variant__price=Decimal("1000.00"), variant__stock_quantity=5, quantity=2)
    assert apply(customer_api, "MIN2K").json()["coupon"]["code"] == "MIN2K"

    cart = customer_api.patch(f"/api/v1/cart/items/{item.pk}", {"quantity": 1}, format="json").json()

    assert cart["coupon"] is None
    assert [(w["code"], w["item_id"]) for w in cart["warnings"]] == [("coupon_invalid", None)]


def test_a_coupon_used_up_meanwhile_is_dropped(customer_api, my_cart, customer):
    coupon = CouponFactory(code="ONCE", max_uses_per_customer=1)
    my_cart.coupon = coupon
    my_cart.save()
    CouponRedemption.objects.create(coupon=coupon, user=customer, order_id=1)

    assert warnings_of(customer_api) == [("coupon_invalid", None)]


def test_another_users_redemptions_do_not_drop_my_coupon(customer_api, my_cart):
    coupon = CouponFactory(code="EACH", max_uses_per_customer=1)
    my_cart.coupon = coupon
    my_cart.save()
    CouponRedemption.objects.create(coupon=coupon, user=UserFactory(), order_id=1)

    assert cart_body(customer_api)["coupon"]["code"] == "EACH"
