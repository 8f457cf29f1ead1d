from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import Category, Coupon, Product, ProductImage, ProductVariant, StockMovement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def seed(products: int) -> str:
    out = StringIO()
    call_command("seed_demo", products=products, stdout=out)
    return out.getvalue()


def test_seed_demo_fills_a_browsable_shop(api):
    output = seed(12)

    assert "12 demo products (12 new)" in output
    assert Category.objects.count() == 13
    assert Product.objects.count() == 12
    assert ProductImage.objects.filter(is_primary=True).count() == 12
    # Opening stock arrived through the inventory: the movements add up to what is on the shelf.
    for variant in ProductVariant.objects.all():
        moved = sum(StockMovement.objects.filter(variant=variant).values_list("delta", flat=True))
        assert moved == variant.stock_quantity
    body = api.get("/api/v1/products?category=phones").json()
    assert body["count"] == 12
    assert body["results"][0]["primary_image"]["thumbnail_url"].startswith("http://testserver/media/")
    assert Coupon.objects.filter(code="KARIBU10").exists()


def test_seed_demo_again_adds_only_what_is_missing(api):
    seed(5)

    output = seed(8)
    seed(8)

    assert "8 demo products (3 new)" in output
    assert Product.objects.count() == 8
    assert Product.objects.values("slug").distinct().count() == 8
    assert Category.objects.count() == 13
