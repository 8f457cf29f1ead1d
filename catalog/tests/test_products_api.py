from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.inventory import StockLine, stock_reserve
from catalog.models import Promotion, Tag
from catalog.tests.factories import ProductFactory, VariantFactory, make_category
from core.store import store_config

pytestmark = pytest.mark.django_db


def product_with(price="1000.00", stock=5, **product_fields):
    variant = VariantFactory(price=Decimal(price), stock_quantity=stock, product=ProductFactory(**product_fields))
    return variant.product


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


def test_product_list_rows_have_the_documented_shape(api):
    product = product_with(price="24999.00", name="Tecno Spark 20", brand="Tecno")

    row = api.get("/api/v1/products").json()["results"][0]

    assert row == {
        "id": product.pk, "slug": product.slug, "name": "Tecno Spark 20", "brand": "Tecno",
        "category": {"id": product.category.pk, "name": product.category.name, "slug": product.category.slug},
        "price": "24999.00", "sale_price": None, "currency": "KES", "in_stock": True,
        "rating": {"average": "0.00", "count": 0}, "primary_image": None,
    }  # fmt: skip


def test_inactive_products_and_variants_are_invisible_to_the_public(api):
    visible = product_with()
    hidden = product_with(is_active=False)
    VariantFactory(product=visible, price=Decimal("10.00"), is_active=False)

    assert slugs(api.get("/api/v1/products")) == [visible.slug]
    assert api.get(f"/api/v1/products/{hidden.slug}").status_code == 404
    detail = api.get(f"/api/v1/products/{visible.slug}").json()
    assert detail["price"] == "1000.00"
    assert len(detail["variants"]) == 1


def test_product_detail_by_slug_or_id_lists_variants_with_availability(api):
    product = product_with(price="500.00", stock=4, specifications={"RAM": "8 GB"}, meta_title="Buy it")
    variant = product.variants.get()
    stock_reserve(lines=[StockLine(variant.pk, 3)])

    by_slug = api.get(f"/api/v1/products/{product.slug}").json()
    by_id = api.get(f"/api/v1/products/{product.pk}/").json()

    assert by_slug == by_id
    assert by_slug["variants"] == [
        {"id": variant.pk, "sku": variant.sku, "name": variant.name, "attributes": {}, "price": "500.00",
         "sale_price": None, "available": 1, "in_stock": True}
    ]  # fmt: skip
    assert by_slug["specifications"] == {"RAM": "8 GB"}
    assert by_slug["seo"] == {"meta_title": "Buy it", "meta_description": ""}


def test_unknown_product_answers_404_envelope(api):
    response = api.get("/api/v1/products/no-such-phone")

    assert response.status_code == 404
    assert response.json()["type"] == "client_error"


def test_category_filter_includes_descendants(api):
    phones = make_category("Phones")
    android = make_category("Android", parent=phones)
    laptops = make_category("Laptops")
    in_child, in_parent, elsewhere = (
        product_with(category=android),
        product_with(category=phones),
        product_with(category=laptops),
    )

    assert set(slugs(api.get("/api/v1/products?category=phones"))) == {in_child.slug, in_parent.slug}
    assert slugs(api.get("/api/v1/products?category=laptops")) == [elsewhere.slug]
    assert slugs(api.get("/api/v1/products?category=nothing-here")) == []


def test_brand_tags_price_and_stock_filters(api):
    cheap = product_with(price="900.00", brand="Tecno")
    dear = product_with(price="90000.00", brand="Samsung", stock=0)
    cheap.tags.add(Tag.objects.create(name="Android", slug="android"))

    assert slugs(api.get("/api/v1/products?brand=samsung")) == [dear.slug]
    assert slugs(api.get("/api/v1/products?tags=android,ios")) == [cheap.slug]
    assert slugs(api.get("/api/v1/products?min_price=1000")) == [dear.slug]
    assert slugs(api.get("/api/v1/products?max_price=1000")) == [cheap.slug]
    assert slugs(api.get("/api/v1/products?in_stock=true")) == [cheap.slug]


def test_orderings_by_price_name_and_popularity(api):
    a = product_with(price="300.00", name="Alpha", units_sold=5)
    b = product_with(price="100.00", name="Bravo", units_sold=50)
    c = product_with(price="200.00", name="Charlie", units_sold=0)

    assert slugs(api.get("/api/v1/products?ordering=price")) == [b.slug, c.slug, a.slug]
    assert slugs(api.get("/api/v1/products?ordering=-price")) == [a.slug, c.slug, b.slug]
    assert slugs(api.get("/api/v1/products?ordering=name")) == [a.slug, b.slug, c.slug]
    assert slugs(api.get("/api/v1/products?ordering=-popularity")) == [b.slug, a.slug, c.slug]
    assert slugs(api.get("/api/v1/products?ordering=-created_at")) == [c.slug, b.slug, a.slug]
    assert slugs(api.get("/api/v1/products?ordering=bogus")) == [c.slug, b.slug, a.slug]


def test_the_best_active_promotion_sets_the_sale_price_and_on_sale_filter(api):
    phones = make_category("Phones")
    discounted, plain = (
        product_with(price="1000.00", category=phones),
        product_with(price="1000.00", category=make_category("Cables")),
    )
    category_promo = Promotion.objects.create(name="Phone week", kind="percentage", value=Decimal("10"))
    category_promo.categories.add(phones)
    product_promo = Promotion.objects.create(name="Flash", kind="fixed", value=Decimal("250"))
    product_promo.products.add(discounted)
    expired = Promotion.objects.create(
        name="Old", kind="fixed", value=Decimal("900"), ends_at=timezone.now() - timedelta(days=1),
        starts_at=timezone.now() - timedelta(days=5),
    )  # fmt: skip
    expired.products.add(plain)

    rows = {row["slug"]: row for row in api.get("/api/v1/products").json()["results"]}

    assert rows[discounted.slug]["sale_price"] == "750.00"
    assert rows[plain.slug]["sale_price"] is None
    assert slugs(api.get("/api/v1/products?on_sale=true")) == [discounted.slug]
    assert api.get(f"/api/v1/products/{discounted.slug}").json()["variants"][0]["sale_price"] == "750.00"


def test_a_fixed_promotion_never_takes_the_price_below_zero(api):
    product = product_with(price="100.00")
    promo = Promotion.objects.create(name="Giveaway", kind="fixed", value=Decimal("500"))
    promo.products.add(product)

    assert api.get("/api/v1/products").json()["results"][0]["sale_price"] == "0.00"


def test_search_matches_name_brand_and_sku(api):
    tecno = product_with(name="Spark 20", brand="Tecno")
    VariantFactory(product=tecno, sku="TEC-SPK-20-BLU")
    other = product_with(name="Galaxy A15", brand="Samsung")

    assert slugs(api.get("/api/v1/products?search=spark")) == [tecno.slug]
    assert slugs(api.get("/api/v1/products?search=SPK-20")) == [tecno.slug]
    assert slugs(api.get("/api/v1/products?search=samsung")) == [other.slug]
    assert slugs(api.get("/api/v1/products?search=%27%3B%20DROP%20TABLE%20catalog_product%3B--")) == []


@pytest.mark.parametrize("page_size", [5, 40])
def test_product_list_runs_a_constant_number_of_queries(api, django_assert_max_num_queries, page_size):
    promo = Promotion.objects.create(name="Deal", kind="percentage", value=Decimal("5"))
    for _ in range(40):
        promo.products.add(product_with())
    store_config()  # the store's settings live in the shared cache between requests

    with django_assert_max_num_queries(7):
        response = api.get(f"/api/v1/products?page_size={page_size}")

    assert len(response.json()["results"]) == page_size


def test_product_detail_runs_a_constant_number_of_queries(api, django_assert_max_num_queries):
    product = product_with()
    for _ in range(10):
        VariantFactory(product=product)
        product.tags.add(Tag.objects.create(name=f"t{Tag.objects.count()}", slug=f"t{Tag.objects.count()}"))
    store_config()

    with django_assert_max_num_queries(8):
        response = api.get(f"/api/v1/products/{product.slug}")

    assert len(response.json()["variants"]) == 11
