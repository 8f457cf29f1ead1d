"""Support staff look at carts and wishlists in the admin; nobody edits them there."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from cart.tests.factories import CartFactory, CartItemFactory, CouponFactory, WishlistItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_browser(staff_user) -> Client:
    browser = Client()
    browser.force_login(staff_user)
    return browser


def test_the_cart_list_shows_owner_item_count_and_filters_anonymous(staff_browser):
    owned = CartFactory(user=UserFactory(email="amani@example.com"), coupon=CouponFactory(code="JAMBO"))
    CartItemFactory.create_batch(3, cart=owned)
    anonymous = CartItemFactory().cart

    everything = staff_browser.get("/admin/cart/cart/")
    only_anonymous = staff_browser.get("/admin/cart/cart/?owner=anonymous")
    only_signed_in = staff_browser.get("/admin/cart/cart/?owner=signed_in")

    assert everything.status_code == 200
    assert "amani@example.com" in everything.text and "JAMBO" in everything.text
    assert '<td class="field-item_count">3</td>' in everything.text
    assert str(anonymous.token) in only_anonymous.text and "amani@example.com" not in only_anonymous.text
    assert "amani@example.com" in only_signed_in.text and str(anonymous.token) not in only_signed_in.text


def test_carts_are_found_by_user_email_or_token(staff_browser):
    owned = CartFactory(user=UserFactory(email="amani@example.com"))
    anonymous = CartFactory()

    by_email = staff_browser.get("/admin/cart/cart/?q=amani")
    by_token = staff_browser.get(f"/admin/cart/cart/?q={anonymous.token}")

    assert str(owned.token) in by_email.text and str(anonymous.token) not in by_email.text
    assert str(anonymous.token) in by_token.text and str(owned.token) not in by_token.text


def test_the_cart_list_costs_the_same_queries_for_many_carts(staff_browser):
    CartItemFactory(cart=CartFactory(user=UserFactory(), coupon=CouponFactory()))
    staff_browser.get("/admin/cart/cart/")
    with CaptureQueriesContext(connection) as few:
        staff_browser.get("/admin/cart/cart/")
    for _ in range(8):
        CartItemFactory.create_batch(2, cart=CartFactory(user=UserFactory(), coupon=CouponFactory()))

    with CaptureQueriesContext(connection) as many:
        assert staff_browser.get("/admin/cart/cart/").status_code == 200

    assert len(many) == len(few)


def test_a_cart_page_shows_its_lines_read_only(staff_browser):
    item = CartItemFactory(quantity=4, variant__product__name="Infinix Hot 40")

    page = staff_browser.get(f"/admin/cart/cart/{item.cart_id}/change/")

    assert page.status_code == 200
    assert "Infinix Hot 40" in page.text and item.variant.sku in page.text
    assert 'name="items-0-quantity"' not in page.text  # no editable inputs
    assert staff_browser.post(f"/admin/cart/cart/{item.cart_id}/delete/").status_code == 403
    assert staff_browser.get("/admin/cart/cart/add/").status_code == 403


def test_wishlist_rows_are_listed_searchable_and_read_only(staff_browser):
    row = WishlistItemFactory(user=UserFactory(email="zawadi@example.com"), product__name="Oraimo Watch")
    WishlistItemFactory(product__name="Tecno Camon")

    page = staff_browser.get("/admin/cart/wishlistitem/?q=zawadi")
    detail = staff_browser.get(f"/admin/cart/wishlistitem/{row.pk}/change/")

    assert page.status_code == 200
    assert "Oraimo Watch" in page.text and "Tecno Camon" not in page.text
    assert detail.status_code == 200
    assert staff_browser.get("/admin/cart/wishlistitem/add/").status_code == 403
