"""The signed-in shopper's wishlist: products kept for later, moved into the cart when wanted."""

from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from cart.models import CartItem, WishlistItem
from cart.tests.factories import WishlistItemFactory
from catalog.models import Product
from catalog.tests.factories import ProductFactory, VariantFactory
from core.testing import error_attrs, error_codes

pytestmark = pytest.mark.django_db


def product_on_sale(**fields) -> Product:
    return VariantFactory(price=Decimal("2500.00"), stock_quantity=4, product=ProductFactory(**fields)).product


def test_adding_a_product_answers_201_with_the_row_and_the_product_card(customer_api):
    product = product_on_sale(name="Oraimo FreePods", brand="Oraimo")

    response = customer_api.post("/api/v1/wishlist", {"product_id": product.pk}, format="json")

    assert response.status_code == 201, response.content
    row = response.json()
    assert set(row) == {"id", "product", "added_at"}
    assert row["product"] == {
        "id": product.pk, "slug": product.slug, "name": "Oraimo FreePods", "brand": "Oraimo",
        "category": {"id": product.category.pk, "name": product.category.name, "slug": product.category.slug},
        "price": "2500.00", "sale_price": None, "currency": "KES", "in_stock": True,
        "rating": {"average": "0.00", "count": 0}, "primary_image": None,
    }  # fmt: skip


def test_adding_a_product_already_there_answers_200_with_the_same_row(customer_api):
    product = product_on_sale()
    first = customer_api.post("/api/v1/wishlist", {"product_id": product.pk}, format="json").json()

    again = customer_api.post("/api/v1/wishlist", {"product_id": product.pk}, format="json")

    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert WishlistItem.objects.count() == 1


@pytest.mark.parametrize("product_id", [10**9, "make-it-up"])
def test_an_unknown_product_is_refused(customer_api, product_id):
    response = customer_api.post("/api/v1/wishlist", {"product_id": product_id}, format="json")

    assert (response.status_code, error_attrs(response)) == (400, ["product_id"])
    assert not WishlistItem.objects.exists()


def test_an_inactive_product_is_refused(customer_api):
    response = customer_api.post("/api/v1/wishlist", {"product_id": product_on_sale(is_active=False).pk}, format="json")

    assert (response.status_code, error_codes(response)) == (400, ["does_not_exist"])


def test_the_list_is_paginated_newest_first_and_shows_only_my_rows(customer_api, customer):
    older = WishlistItemFactory(user=customer, product=product_on_sale())
    newer = WishlistItemFactory(user=customer, product=product_on_sale())
    WishlistItemFactory(product=product_on_sale())  # someone else's

    page = customer_api.get("/api/v1/wishlist?page_size=1").json()

    assert page["count"] == 2
    assert [row["id"] for row in page["results"]] == [newer.pk]
    assert page["next"] is not None
    assert [row["id"] for row in customer_api.get("/api/v1/wishlist?page=2&page_size=1").json()["results"]] == [
        older.pk
    ]


def test_a_product_taken_off_sale_disappears_from_the_list_but_comes_back(customer_api, customer):
    row = WishlistItemFactory(user=customer, product=product_on_sale())
    Product.objects.filter(pk=row.product_id).update(is_active=False)

    assert customer_api.get("/api/v1/wishlist").json()["count"] == 0
    Product.objects.filter(pk=row.product_id).update(is_active=True)
    assert customer_api.get("/api/v1/wishlist").json()["count"] == 1


def test_delete_removes_the_product_and_answers_204(customer_api, customer):
    row = WishlistItemFactory(user=customer, product=product_on_sale())

    response = customer_api.delete(f"/api/v1/wishlist/{row.product_id}")

    assert response.status_code == 204
    assert not WishlistItem.objects.exists()


def test_deleting_a_product_not_on_my_wishlist_answers_404(customer_api):
    theirs = WishlistItemFactory(user=UserFactory(), product=product_on_sale())

    response = customer_api.delete(f"/api/v1/wishlist/{theirs.product_id}")

    assert (response.status_code, response.json()["type"]) == (404, "client_error")
    assert WishlistItem.objects.filter(pk=theirs.pk).exists()


def test_the_wishlist_needs_a_signed_in_user(api):
    product = product_on_sale()

    assert api.get("/api/v1/wishlist").status_code == 401
    assert api.post("/api/v1/wishlist", {"product_id": product.pk}, format="json").status_code == 401
    assert api.delete(f"/api/v1/wishlist/{product.pk}").status_code == 401
    assert api.post(f"/api/v1/wishlist/{product.pk}/move-to-cart", {}, format="json").status_code == 401


# --- Move to cart -------------------------------------------------------------------------------------


def test_move_to_cart_adds_one_unit_and_takes_the_product_off_the_wishlist(customer_api, customer):
    product = product_on_sale()
    WishlistItemFactory(user=customer, product=product)

    response = customer_api.post(f"/api/v1/wishlist/{product.pk}/move-to-cart", {}, format="json")

    assert response.status_code == 201, response.content
    variant = product.variants.get()
    assert [(i["variant_id"], i["quantity"]) for i in response.json()["items"]] == [(variant.pk, 1)]
    assert not WishlistItem.objects.exists()


def test_move_to_cart_takes_a_variant_and_quantity(customer_api, customer):
    product = product_on_sale()
    blue = VariantFactory(product=product, name="Blue", stock_quantity=5)
    WishlistItemFactory(user=customer, product=product)

    response = customer_api.post(
        f"/api/v1/wishlist/{product.pk}/move-to-cart", {"variant_id": blue.pk, "quantity": 3}, format="json"
    )

    assert [(i["variant_id"], i["quantity"]) for i in response.json()["items"]] == [(blue.pk, 3)]


def test_move_to_cart_of_a_product_with_several_variants_needs_variant_id(customer_api, customer):
    product = product_on_sale()
    VariantFactory(product=product)
    WishlistItemFactory(user=customer, product=product)

    response = customer_api.post(f"/api/v1/wishlist/{product.pk}/move-to-cart", {}, format="json")

    assert (response.status_code, error_codes(response), error_attrs(response)) == (
        400, ["variant_required"], ["variant_id"]
    )  # fmt: skip
    assert WishlistItem.objects.exists()


def test_move_to_cart_refuses_a_variant_of_another_product(customer_api, customer):
    product = product_on_sale()
    WishlistItemFactory(user=customer, product=product)

    response = customer_api.post(
        f"/api/v1/wishlist/{product.pk}/move-to-cart", {"variant_id": VariantFactory().pk}, format="json"
    )

    assert (response.status_code, error_codes(response), error_attrs(response)) == (
        400, ["does_not_exist"], ["variant_id"]
    )  # fmt: skip


def test_move_to_cart_beyond_stock_answers_409_and_keeps_the_wishlist_row(customer_api, customer):
    product = product_on_sale()  # 4 in stock
    WishlistItemFactory(user=customer, product=product)

    response = customer_api.post(f"/api/v1/wishlist/{product.pk}/move-to-cart", {"quantity": 5}, format="json")

    assert (response.status_code, error_codes(response)) == (409, ["out_of_stock"])
    assert WishlistItem.objects.exists()
    assert not CartItem.objects.exists()


def test_move_to_cart_of_a_product_not_on_the_wishlist_answers_404(customer_api):
    product = product_on_sale()

    response = customer_api.post(f"/api/v1/wishlist/{product.pk}/move-to-cart", {}, format="json")

    assert response.status_code == 404
    assert not CartItem.objects.exists()


def test_move_to_cart_of_a_product_taken_off_sale_is_refused(customer_api, customer):
    product = product_on_sale()
    WishlistItemFactory(user=customer, product=product)
    Product.objects.filter(pk=product.pk).update(is_active=False)

    response = customer_api.post(f"/api/v1/wishlist/{product.pk}/move-to-cart", {}, format="json")

    assert (response.status_code, error_codes(response)) == (400, ["does_not_exist"])
    assert WishlistItem.objects.exists()
