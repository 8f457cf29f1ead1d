from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.test import Client
from PIL import Image

from accounts.tests.factories import DEFAULT_PASSWORD
from catalog.models import PriceHistory, ProductImage, StockMovement
from catalog.tests.factories import VariantFactory, image_bytes, jpeg_with_exif

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


def product_change_form(product, **images) -> dict:
    """The product change form as the admin page posts it, with one new image row when `images` is given."""
    variant = product.variants.get()
    form = {
        "name": product.name, "slug": product.slug, "brand": product.brand, "category": product.category_id,
        "is_active": "on", "description": "", "specifications": "{}", "meta_title": "", "meta_description": "",
        "variants-TOTAL_FORMS": "1", "variants-INITIAL_FORMS": "1", "variants-0-id": variant.pk,
        "variants-0-product": product.pk, "variants-0-sku": variant.sku, "variants-0-name": variant.name,
        "variants-0-attributes": "{}", "variants-0-price": str(variant.price), "variants-0-reorder_point": "2",
        "variants-0-reorder_quantity": "20", "variants-0-is_active": "on",
        "images-TOTAL_FORMS": "1" if images else "0", "images-INITIAL_FORMS": "0",
    }  # fmt: skip
    form.update({f"images-0-{field}": value for field, value in images.items()})
    return form


def test_an_image_uploaded_in_the_admin_is_reencoded_with_renditions(staff_browser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    product = VariantFactory().product
    photo = SimpleUploadedFile("p.jpg", jpeg_with_exif(size=(1000, 500)), content_type="image/jpeg")

    response = staff_browser.post(
        f"/admin/catalog/product/{product.pk}/change/",
        product_change_form(product, image=photo, alt_text="Side", position="1"),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    image = ProductImage.objects.get(product=product)
    assert (image.width, image.height, image.alt_text, image.is_primary) == (1000, 500, "Side", True)
    assert image.thumbnail and image.medium
    assert not Image.open(image.image.path).getexif()


def test_a_file_that_is_not_an_image_is_refused_in_the_admin(staff_browser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    product = VariantFactory().product
    bogus = SimpleUploadedFile("p.gif", image_bytes("GIF", size=(10, 10), mode="P"), content_type="image/gif")

    response = staff_browser.post(
        f"/admin/catalog/product/{product.pk}/change/", product_change_form(product, image=bogus)
    )

    assert response.status_code == 200
    assert "not accepted" in response.content.decode()
    assert not ProductImage.objects.exists()
