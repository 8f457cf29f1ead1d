"""Whatever a client sends, the answer is a 4xx in the error envelope and nothing changes."""

import pytest

from cart.models import Cart, CartItem, WishlistItem
from cart.tests.factories import CartFactory, CartItemFactory, WishlistItemFactory
from catalog.tests.factories import VariantFactory
from core.serializers import MAX_ID
from core.testing import error_attrs, error_codes

pytestmark = pytest.mark.django_db

BAD_QUANTITIES = ["two", True, 1.5, -1, None, [], {}, "", "1e3"]


@pytest.fixture
def my_line(customer) -> CartItem:
    return CartItemFactory(cart=CartFactory(user=customer), quantity=2, variant__stock_quantity=5)


def snapshot() -> tuple:
    return (
        list(CartItem.objects.order_by("id").values_list("id", "variant_id", "quantity", "price_when_added")),
        list(Cart.objects.order_by("id").values_list("id", "coupon_id", "updated_at")),
        list(WishlistItem.objects.order_by("id").values_list("id", "product_id")),
    )


def assert_refused(response, status: int = 400) -> None:
    assert response.status_code == status, response.content
    assert error_codes(response)  # the envelope, with at least one coded error


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_adding_with_a_quantity_that_is_not_a_positive_integer_is_refused(customer_api, my_line, quantity):
    before = snapshot()

    response = customer_api.post(
        "/api/v1/cart/items", {"variant_id": my_line.variant_id, "quantity": quantity}, format="json"
    )

    assert_refused(response)
    assert error_attrs(response) == ["quantity"]
    assert snapshot() == before


@pytest.mark.parametrize("quantity", [*BAD_QUANTITIES[:-1], -1])
def test_setting_a_quantity_that_is_not_a_whole_number_is_refused(customer_api, my_line, quantity):
    before = snapshot()

    response = customer_api.patch(f"/api/v1/cart/items/{my_line.pk}", {"quantity": quantity}, format="json")

    assert_refused(response)
    assert error_attrs(response) == ["quantity"]
    assert snapshot() == before


@pytest.mark.parametrize("method", ["post", "patch"])
def test_a_gigantic_quantity_is_over_the_per_line_limit(customer_api, my_line, method):
    before = snapshot()
    url = "/api/v1/cart/items" if method == "post" else f"/api/v1/cart/items/{my_line.pk}"

    response = getattr(customer_api, method)(url, {"variant_id": my_line.variant_id, "quantity": 10**20}, format="json")

    assert_refused(response)
    assert error_codes(response) == ["quantity_limit"]
    assert snapshot() == before


@pytest.mark.parametrize("variant_id", [MAX_ID + 1, 10**30, 0, -5, True, 1.5, "12abc", "", None, [1], {"id": 1}])
def test_a_variant_id_that_cannot_exist_is_refused(customer_api, my_line, variant_id):
    before = snapshot()

    response = customer_api.post("/api/v1/cart/items", {"variant_id": variant_id, "quantity": 1}, format="json")

    assert_refused(response)
    assert error_attrs(response) == ["variant_id"]
    assert snapshot() == before


@pytest.mark.parametrize(
    "payload, attr",
    [({}, "quantity"), ({"variant_id": None}, "quantity"), ({"quantity": 1}, "variant_id")],
    ids=["empty", "no quantity", "no variant"],
)
def test_missing_fields_are_named(customer_api, my_line, payload, attr):
    payload = {key: (my_line.variant_id if value is None else value) for key, value in payload.items()}

    response = customer_api.post("/api/v1/cart/items", payload, format="json")

    assert_refused(response)
    assert attr in error_attrs(response)


def test_giving_both_variant_id_and_product_id_is_refused(customer_api, my_line):
    variant = my_line.variant
    payload = {"variant_id": variant.pk, "product_id": variant.product_id, "quantity": 1}

    assert_refused(customer_api.post("/api/v1/cart/items", payload, format="json"))
    assert CartItem.objects.get().quantity == 2


ENDPOINTS = [
    ("post", "/api/v1/cart/items"),
    ("patch", "/api/v1/cart/items/{line}"),
    ("post", "/api/v1/cart/merge"),
    ("post", "/api/v1/cart/coupon"),
    ("post", "/api/v1/wishlist"),
    ("post", "/api/v1/wishlist/{product}/move-to-cart"),
]


@pytest.fixture
def urls(customer, my_line):
    WishlistItemFactory(user=customer, product=my_line.variant.product)
    return {"line": my_line.pk, "product": my_line.variant.product_id}


@pytest.mark.parametrize("method, url", ENDPOINTS)
def test_malformed_json_answers_400_parse_error(customer_api, urls, method, url):
    before = snapshot()

    response = getattr(customer_api, method)(
        url.format(**urls), data='{"quantity": 1,', content_type="application/json"
    )

    assert_refused(response)
    assert error_codes(response) == ["parse_error"]
    assert snapshot() == before


@pytest.mark.parametrize("method, url", ENDPOINTS)
@pytest.mark.parametrize("payload", ["[1, 2]", '"text"', "42", "null"])
def test_a_body_that_is_not_an_object_is_refused(customer_api, urls, method, url, payload):
    before = snapshot()

    response = getattr(customer_api, method)(url.format(**urls), data=payload, content_type="application/json")

    assert 400 <= response.status_code < 500, response.content
    assert error_codes(response)
    assert snapshot() == before


@pytest.mark.parametrize("method, url", ENDPOINTS)
def test_a_form_encoded_body_answers_415(customer_api, urls, method, url):
    response = getattr(customer_api, method)(
        url.format(**urls), data="quantity=1", content_type="application/x-www-form-urlencoded"
    )

    assert_refused(response, 415)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cart/items/99999999999999999999",
        "/api/v1/cart/items/abc",
        "/api/v1/wishlist/99999999999999999999",
        "/api/v1/wishlist/-1/move-to-cart",
    ],
)
def test_ids_in_paths_that_cannot_exist_answer_404(customer_api, my_line, url):
    before = snapshot()

    response = customer_api.delete(url)

    assert_refused(response, 404)
    assert snapshot() == before


@pytest.mark.parametrize("code", ["", " ", "X" * 41, 12, None, ["SAVE"]])
def test_a_coupon_code_that_is_not_a_short_text_is_refused(customer_api, my_line, code):
    before = snapshot()

    response = customer_api.post("/api/v1/cart/coupon", {"code": code}, format="json")

    assert_refused(response)
    assert error_attrs(response) == ["code"]
    assert snapshot() == before


@pytest.mark.parametrize("token", ["", "abc", 12, None, "00000000-0000-0000-0000-00000000000g"])
def test_a_cart_token_that_is_not_a_uuid_is_refused_in_merge(customer_api, my_line, token):
    before = snapshot()

    response = customer_api.post("/api/v1/cart/merge", {"cart_token": token}, format="json")

    assert_refused(response)
    assert error_attrs(response) == ["cart_token"]
    assert snapshot() == before


@pytest.mark.parametrize("token", ["abc", "{}", "'; DROP TABLE cart_cart; --", "0" * 31])
def test_a_malformed_header_token_is_refused_on_every_cart_endpoint(api, token):
    variant = VariantFactory()
    headers = {"HTTP_X_CART_TOKEN": token}

    responses = [
        api.get("/api/v1/cart", **headers),
        api.delete("/api/v1/cart", **headers),
        api.post("/api/v1/cart/items", {"variant_id": variant.pk, "quantity": 1}, format="json", **headers),
        api.post("/api/v1/cart/coupon", {"code": "X"}, format="json", **headers),
        api.delete("/api/v1/cart/coupon", **headers),
    ]

    assert [(r.status_code, error_codes(r)) for r in responses] == [(400, ["invalid_cart_token"])] * 5
    assert not Cart.objects.exists()
