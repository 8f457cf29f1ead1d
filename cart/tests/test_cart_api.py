"""The cart as a shopper uses it: finding it, adding, changing and removing lines, and what it adds up to."""

import uuid
from decimal import Decimal

import pytest

from accounts.tests.factories import AddressFactory, UserFactory
from cart.models import Cart, CartItem
from cart.tests.factories import CartFactory, CartItemFactory
from catalog.inventory import StockLine, stock_reserve
from catalog.models import ProductImage, ProductVariant, Promotion
from catalog.tests.factories import ProductFactory, VariantFactory
from core.models import ShippingZone, StoreSettings
from core.store import store_settings_record
from core.testing import error_attrs, error_codes

pytestmark = pytest.mark.django_db


def store(**fields) -> None:
    store_settings_record()
    StoreSettings.objects.filter(pk=StoreSettings.SINGLETON_ID).update(**fields)


def body(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def add(client, variant: ProductVariant, quantity: int = 1, token: str | None = None):
    headers = {"HTTP_X_CART_TOKEN": token} if token else {}
    return client.post("/api/v1/cart/items", {"variant_id": variant.pk, "quantity": quantity}, format="json", **headers)


# --- Finding the cart ---------------------------------------------------------------------------------


def test_an_anonymous_caller_without_a_token_gets_a_new_empty_cart_with_its_token(api):
    cart = body(api.get("/api/v1/cart"))

    assert cart == {
        "token": cart["token"], "items": [], "coupon": None, "subtotal": "0.00", "discount_total": "0.00",
        "shipping_fee": "0.00", "tax_total": "0.00", "total": "0.00", "currency": "KES", "warnings": [],
    }  # fmt: skip
    assert Cart.objects.get(token=cart["token"]).user is None


def test_the_token_brings_an_anonymous_caller_back_to_the_same_cart(api):
    variant = VariantFactory()
    token = body(add(api, variant, 2), 201)["token"]

    again = body(api.get("/api/v1/cart/", HTTP_X_CART_TOKEN=token))

    assert again["token"] == token
    assert [(item["variant_id"], item["quantity"]) for item in again["items"]] == [(variant.pk, 2)]
    assert Cart.objects.count() == 1


def test_a_malformed_token_answers_400_invalid_cart_token(api):
    response = api.get("/api/v1/cart", HTTP_X_CART_TOKEN="not-a-uuid")

    assert response.status_code == 400
    assert error_codes(response) == ["invalid_cart_token"]
    assert Cart.objects.count() == 0


def test_an_absurdly_long_token_is_malformed_not_a_crash(api):
    response = api.get("/api/v1/cart", HTTP_X_CART_TOKEN="a" * 10_000)

    assert (response.status_code, error_codes(response)) == (400, ["invalid_cart_token"])


def test_an_unknown_token_gets_a_new_empty_cart_with_a_new_token(api):
    unknown = str(uuid.uuid4())

    cart = body(api.get("/api/v1/cart", HTTP_X_CART_TOKEN=unknown))

    assert cart["token"] != unknown
    assert cart["items"] == []
    assert Cart.objects.filter(token=cart["token"], user=None).exists()


def test_an_anonymous_caller_cannot_reach_a_users_cart_by_its_token(api, customer):
    users_cart = CartItemFactory(cart=CartFactory(user=customer)).cart

    cart = body(api.get("/api/v1/cart", HTTP_X_CART_TOKEN=str(users_cart.token)))

    assert cart["token"] != str(users_cart.token)
    assert cart["items"] == []


def test_a_signed_in_user_has_one_persistent_cart_whatever_token_they_send(customer_api, customer):
    anonymous = CartItemFactory().cart

    first = body(customer_api.get("/api/v1/cart"))
    second = body(customer_api.get("/api/v1/cart", HTTP_X_CART_TOKEN=str(anonymous.token)))
    malformed = body(customer_api.get("/api/v1/cart", HTTP_X_CART_TOKEN="rubbish"))

    assert first["token"] == second["token"] == malformed["token"] == str(customer.cart.token)
    assert second["items"] == []
    assert Cart.objects.filter(user=customer).count() == 1


# --- Adding -------------------------------------------------------------------------------------------


def test_adding_a_variant_answers_201_with_the_whole_cart(customer_api):
    product = ProductFactory(name="Tecno Spark 20", slug="tecno-spark-20")
    variant = VariantFactory(product=product, name="128 GB", price=Decimal("1160.00"), stock_quantity=7)

    cart = body(add(customer_api, variant, 2), 201)

    (item,) = cart["items"]
    assert item == {
        "id": CartItem.objects.get().pk, "variant_id": variant.pk,
        "product": {"id": product.pk, "slug": "tecno-spark-20", "name": "Tecno Spark 20", "primary_image": None},
        "variant_name": "128 GB", "quantity": 2, "unit_price": "1160.00", "line_total": "2320.00", "available": 7,
    }  # fmt: skip
    assert cart["subtotal"] == "2320.00"
    assert cart["warnings"] == []


def test_the_line_shows_the_products_primary_image_like_the_product_list(customer_api):
    variant = VariantFactory()
    ProductImage.objects.create(
        product=variant.product, image="products/x.jpg", thumbnail="products/x-thumb.jpg", is_primary=True
    )

    item = body(add(customer_api, variant), 201)["items"][0]

    assert item["product"]["primary_image"] == {
        "url": "http://testserver/media/products/x.jpg",
        "thumbnail_url": "http://testserver/media/products/x-thumb.jpg",
    }


def test_adding_a_variant_already_in_the_cart_adds_to_its_line(customer_api):
    variant = VariantFactory(stock_quantity=10)
    add(customer_api, variant, 2)

    cart = body(add(customer_api, variant, 3), 201)

    assert [item["quantity"] for item in cart["items"]] == [5]
    assert CartItem.objects.count() == 1


def test_a_single_variant_product_can_be_added_by_product_id(customer_api):
    variant = VariantFactory()

    response = customer_api.post("/api/v1/cart/items", {"product_id": variant.product_id, "quantity": 1}, format="json")

    assert [item["variant_id"] for item in body(response, 201)["items"]] == [variant.pk]


def test_a_product_with_several_variants_needs_variant_id(customer_api):
    variant = VariantFactory()
    VariantFactory(product=variant.product)

    response = customer_api.post("/api/v1/cart/items", {"product_id": variant.product_id, "quantity": 1}, format="json")

    assert response.status_code == 400
    assert (error_codes(response), error_attrs(response)) == (["variant_required"], ["product_id"])
    assert not CartItem.objects.exists()


def test_product_id_counts_only_active_variants(customer_api):
    variant = VariantFactory()
    VariantFactory(product=variant.product, is_active=False)

    response = customer_api.post("/api/v1/cart/items", {"product_id": variant.product_id, "quantity": 1}, format="json")

    assert [item["variant_id"] for item in body(response, 201)["items"]] == [variant.pk]


def test_more_than_the_per_line_limit_answers_400_quantity_limit(customer_api):
    store(max_quantity_per_line=3)
    variant = VariantFactory(stock_quantity=50)
    add(customer_api, variant, 2)

    response = add(customer_api, variant, 2)

    assert response.status_code == 400
    assert (error_codes(response), error_attrs(response)) == (["quantity_limit"], ["quantity"])
    assert CartItem.objects.get().quantity == 2


def test_more_than_is_available_answers_409_out_of_stock(customer_api):
    variant = VariantFactory(stock_quantity=5)
    stock_reserve(lines=[StockLine(variant.pk, 3)])  # someone else's order holds 3

    response = add(customer_api, variant, 3)

    assert response.status_code == 409
    assert error_codes(response) == ["out_of_stock"]
    assert not CartItem.objects.exists()


def test_adding_onto_a_line_beyond_stock_is_refused_and_the_line_kept(customer_api):
    variant = VariantFactory(stock_quantity=4)
    add(customer_api, variant, 3)

    response = add(customer_api, variant, 2)

    assert (response.status_code, error_codes(response)) == (409, ["out_of_stock"])
    assert CartItem.objects.get().quantity == 3


def test_adding_never_touches_stock(customer_api):
    variant = VariantFactory(stock_quantity=5)

    add(customer_api, variant, 5)

    variant.refresh_from_db()
    assert (variant.stock_quantity, variant.reserved_quantity) == (5, 0)


@pytest.mark.parametrize(
    "make",
    [
        lambda: VariantFactory(is_active=False),
        lambda: VariantFactory(product=ProductFactory(is_active=False)),
    ],
    ids=["inactive variant", "inactive product"],
)
def test_a_variant_no_longer_sold_cannot_be_added(customer_api, make):
    response = add(customer_api, make())

    assert response.status_code == 400
    assert (error_codes(response), error_attrs(response)) == (["does_not_exist"], ["variant_id"])


def test_an_inactive_product_cannot_be_added_by_product_id(customer_api):
    variant = VariantFactory(product=ProductFactory(is_active=False))

    response = customer_api.post("/api/v1/cart/items", {"product_id": variant.product_id, "quantity": 1}, format="json")

    assert (response.status_code, error_codes(response), error_attrs(response)) == (
        400, ["does_not_exist"], ["product_id"]
    )  # fmt: skip


def test_a_failed_first_add_leaves_no_anonymous_cart_behind(api):
    variant = VariantFactory(stock_quantity=1)

    response = add(api, variant, 2)

    assert response.status_code == 409
    assert not Cart.objects.exists()


# --- Changing and removing lines ----------------------------------------------------------------------


def test_patch_sets_the_quantity(customer_api):
    variant = VariantFactory(stock_quantity=9)
    item_id = body(add(customer_api, variant, 1), 201)["items"][0]["id"]

    cart = body(customer_api.patch(f"/api/v1/cart/items/{item_id}", {"quantity": 4}, format="json"))

    assert [(item["id"], item["quantity"]) for item in cart["items"]] == [(item_id, 4)]


def test_patch_checks_the_limit_and_stock_like_adding(customer_api):
    store(max_quantity_per_line=5)
    variant = VariantFactory(stock_quantity=3)
    item_id = body(add(customer_api, variant, 1), 201)["items"][0]["id"]

    over_limit = customer_api.patch(f"/api/v1/cart/items/{item_id}", {"quantity": 6}, format="json")
    over_stock = customer_api.patch(f"/api/v1/cart/items/{item_id}", {"quantity": 4}, format="json")

    assert (over_limit.status_code, error_codes(over_limit)) == (400, ["quantity_limit"])
    assert (over_stock.status_code, error_codes(over_stock)) == (409, ["out_of_stock"])
    assert CartItem.objects.get().quantity == 1


def test_patch_to_zero_removes_the_line(customer_api):
    item_id = body(add(customer_api, VariantFactory()), 201)["items"][0]["id"]

    cart = body(customer_api.patch(f"/api/v1/cart/items/{item_id}/", {"quantity": 0}, format="json"))

    assert cart["items"] == []
    assert not CartItem.objects.exists()


def test_delete_removes_a_line(customer_api):
    keep, drop = VariantFactory(), VariantFactory()
    add(customer_api, keep)
    drop_id = body(add(customer_api, drop), 201)["items"][1]["id"]

    cart = body(customer_api.delete(f"/api/v1/cart/items/{drop_id}"))

    assert [item["variant_id"] for item in cart["items"]] == [keep.pk]


def test_a_line_of_another_cart_answers_404_and_stays(customer_api):
    someone_elses = CartItemFactory(cart=CartFactory(user=UserFactory()), quantity=2)
    anonymous = CartItemFactory(quantity=2)

    for item in (someone_elses, anonymous):
        patched = customer_api.patch(f"/api/v1/cart/items/{item.pk}", {"quantity": 1}, format="json")
        deleted = customer_api.delete(f"/api/v1/cart/items/{item.pk}")
        assert (patched.status_code, deleted.status_code) == (404, 404)
        assert patched.json()["type"] == "client_error"

    assert list(CartItem.objects.order_by("id").values_list("quantity", flat=True)) == [2, 2]


def test_an_anonymous_caller_changes_lines_with_the_token(api):
    variant = VariantFactory()
    cart = body(add(api, variant, 1), 201)
    token, item_id = cart["token"], cart["items"][0]["id"]

    without_token = api.patch(f"/api/v1/cart/items/{item_id}", {"quantity": 3}, format="json")
    with_token = api.patch(f"/api/v1/cart/items/{item_id}", {"quantity": 3}, format="json", HTTP_X_CART_TOKEN=token)

    assert without_token.status_code == 404
    assert body(with_token)["items"][0]["quantity"] == 3


def test_delete_cart_empties_lines_and_coupon(customer_api, customer):
    from cart.tests.factories import CouponFactory

    cart = CartFactory(user=customer, coupon=CouponFactory())
    CartItemFactory.create_batch(2, cart=cart)

    emptied = body(customer_api.delete("/api/v1/cart"))

    assert (emptied["items"], emptied["coupon"], emptied["total"]) == ([], None, "0.00")
    assert emptied["token"] == str(cart.token)
    cart.refresh_from_db()
    assert (cart.items.count(), cart.coupon) == (0, None)


# --- Totals -------------------------------------------------------------------------------------------


def test_totals_with_inclusive_tax_and_the_flat_fee(api):
    cart = body(add(api, VariantFactory(price=Decimal("1160.00")), 2), 201)

    assert (cart["subtotal"], cart["discount_total"], cart["shipping_fee"]) == ("2320.00", "0.00", "300.00")
    assert (cart["total"], cart["tax_total"]) == ("2620.00", "361.38")  # 2620 x 16 / 116


def test_exclusive_tax_is_added_on_top(api):
    store(prices_include_tax=False)

    cart = body(add(api, VariantFactory(price=Decimal("1000.00"))), 201)

    assert (cart["shipping_fee"], cart["tax_total"], cart["total"]) == ("300.00", "208.00", "1508.00")


def test_shipping_is_the_zone_fee_of_the_default_address_county(customer_api, customer):
    ShippingZone.objects.create(name="Coast", counties=["Mombasa"], fee=Decimal("450.00"))
    AddressFactory(user=customer, county="Nairobi", is_default=False)
    AddressFactory(user=customer, county="Mombasa", is_default=True)

    cart = body(add(customer_api, VariantFactory(price=Decimal("1000.00"))), 201)

    assert (cart["shipping_fee"], cart["total"]) == ("450.00", "1450.00")


def test_a_county_in_no_zone_pays_the_flat_fee(customer_api, customer):
    ShippingZone.objects.create(name="Coast", counties=["Mombasa"], fee=Decimal("450.00"))
    AddressFactory(user=customer, county="Kisumu", is_default=True)

    cart = body(add(customer_api, VariantFactory(price=Decimal("1000.00"))), 201)

    assert cart["shipping_fee"] == "300.00"


def test_goods_worth_the_free_shipping_threshold_ship_free(api):
    store(free_shipping_threshold=Decimal("5000.00"))

    under = body(add(api, VariantFactory(price=Decimal("4999.99"))), 201)
    at = body(add(api, VariantFactory(price=Decimal("5000.00"))), 201)

    assert (under["shipping_fee"], at["shipping_fee"]) == ("300.00", "0.00")
    assert at["total"] == "5000.00"


def test_a_promotion_sets_the_unit_price(api):
    variant = VariantFactory(price=Decimal("1000.00"))
    Promotion.objects.create(name="Week", kind="percentage", value=Decimal("20")).products.add(variant.product)

    item = body(add(api, variant, 2), 201)["items"][0]

    assert (item["unit_price"], item["line_total"]) == ("800.00", "1600.00")


def test_the_currency_is_the_stores(api):
    store(currency="UGX")

    assert body(api.get("/api/v1/cart"))["currency"] == "UGX"
