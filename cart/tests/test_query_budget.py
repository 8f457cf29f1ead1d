"""Reading a cart or a wishlist costs the same queries whatever it holds: nothing runs per line."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cart.tests.factories import CartFactory, CartItemFactory, CouponFactory, WishlistItemFactory
from catalog.models import ProductImage, Promotion
from catalog.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


def fill_cart(cart, lines: int) -> None:
    for _ in range(lines):
        variant = VariantFactory()
        ProductImage.objects.create(product=variant.product, image="p.jpg", thumbnail="t.jpg", is_primary=True)
        CartItemFactory(cart=cart, variant=variant)


def test_get_cart_runs_as_many_queries_for_ten_lines_as_for_one(customer_api, customer, django_assert_max_num_queries):
    from accounts.tests.factories import UserFactory
    from core.testing import authenticated_client

    Promotion.objects.create(name="Week", kind="percentage", value=10)
    small_owner, big_owner = customer, UserFactory()
    fill_cart(CartFactory(user=small_owner, coupon=CouponFactory()), 1)
    fill_cart(CartFactory(user=big_owner, coupon=CouponFactory()), 10)
    big_api = authenticated_client(big_owner)
    queries_for(customer_api, "/api/v1/cart")  # warm the store settings cache

    one = queries_for(customer_api, "/api/v1/cart")
    with django_assert_max_num_queries(one):
        ten = queries_for(big_api, "/api/v1/cart")

    assert ten == one
    assert one <= 12  # user, cart, lines, images, 3 promotions, county, coupon, coupon check, redemptions


def test_wishlist_runs_as_many_queries_for_ten_rows_as_for_one(customer_api, customer, django_assert_max_num_queries):
    from accounts.tests.factories import UserFactory
    from core.testing import authenticated_client

    big_owner = UserFactory()
    for owner, rows in ((customer, 1), (big_owner, 10)):
        for _ in range(rows):
            product = VariantFactory().product
            ProductImage.objects.create(product=product, image="p.jpg", thumbnail="t.jpg", is_primary=True)
            WishlistItemFactory(user=owner, product=product)
    big_api = authenticated_client(big_owner)
    queries_for(customer_api, "/api/v1/wishlist")

    one = queries_for(customer_api, "/api/v1/wishlist")
    with django_assert_max_num_queries(one):
        assert len(big_api.get("/api/v1/wishlist").json()["results"]) == 10
