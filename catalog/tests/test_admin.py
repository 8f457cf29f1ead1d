from decimal import Decimal

import pytest
from django.http import HttpRequest
from django.test import Client

from accounts.tests.factories import DEFAULT_PASSWORD
from catalog.models import PriceHistory, StockMovement
from catalog.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_browser(staff_user) -> Client:
    browser = Client()
    assert browser.login(request=HttpRequest(), email=staff_user.email, password=DEFAULT_PASSWORD)
    return browser


def test_staff_see_low_stock_variants_in_the_admin(staff_browser):
    low, plenty = VariantFactory(stock_quantity=1, reorder_point=2), VariantFactory(stock_quantity=50)

    page = staff_browser.get("/admin/catalog/productvariant/?stock=low")

    assert page.status_code == 200
    assert low.sku in page.text
    assert plenty.sku not in page.text


def test_the_adjust_stock_action_goes_through_the_inventory_and_is_recorded(staff_browser, staff_user):
    variant = VariantFactory(stock_quantity=4)

    staff_browser.post(
        "/admin/catalog/productvariant/",
        {"action": "adjust_stock", "_selected_action": [variant.pk], "delta": "6", "reason": "restock", "note": "PO-7"},
    )

    variant.refresh_from_db()
    assert variant.stock_quantity == 10
    movement = StockMovement.objects.get(variant=variant)
    assert (movement.delta, movement.reason, movement.actor, movement.note) == (6, "restock", staff_user, "PO-7")


def test_the_adjust_stock_action_refuses_to_go_below_zero(staff_browser):
    variant = VariantFactory(stock_quantity=2)

    page = staff_browser.post(
        "/admin/catalog/productvariant/",
        {"action": "adjust_stock", "_selected_action": [variant.pk], "delta": "-5", "reason": "damage"},
        follow=True,
    )

    variant.refresh_from_db()
    assert variant.stock_quantity == 2
    assert "too few units" in page.text


def test_changing_a_price_in_the_admin_writes_price_history(staff_browser, staff_user):
    variant = VariantFactory(price=Decimal("1000.00"))
    form = {
        "product": variant.product_id, "sku": variant.sku, "name": variant.name, "attributes": "{}",
        "price": "1200.00", "reorder_point": 2, "reorder_quantity": 20, "is_active": "on",
    }  # fmt: skip

    response = staff_browser.post(f"/admin/catalog/productvariant/{variant.pk}/change/", form)

    assert response.status_code == 302, response.content[:2000]
    history = PriceHistory.objects.get(variant=variant)
    assert (history.old_price, history.new_price, history.changed_by) == (
        Decimal("1000.00"),
        Decimal("1200.00"),
        staff_user,
    )


def test_stock_movements_are_read_only_in_the_admin(staff_browser):
    assert staff_browser.get("/admin/catalog/stockmovement/").status_code == 200
    assert staff_browser.get("/admin/catalog/stockmovement/add/").status_code == 403
