"""
`GET products?search=`: full-text with ranking on PostgreSQL, substring matching elsewhere.
The first group runs on both databases and pins the behaviour they share.
"""

import re

import pytest
from django.db import connection

from catalog.models import Product, Tag
from catalog.tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


def search(api, text: str, **params) -> list[str]:
    response = api.get("/api/v1/products", {"search": text, **params})
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


@pytest.fixture
def shop():
    spark = VariantFactory(
        sku="TEC-SPK-20", product__name="Spark 20", product__brand="Tecno", product__slug="spark-20"
    ).product
    galaxy = VariantFactory(
        sku="SAM-A15",
        product__name="Galaxy A15",
        product__brand="Samsung",
        product__slug="galaxy-a15",
        product__description="A bright AMOLED screen",
    ).product
    charger = VariantFactory(
        sku="ACC-CHG-25W",
        product__name="Fast charger 25W",
        product__brand="Oraimo",
        product__slug="charger",
        product__description="Charges a Samsung phone fast",
    ).product
    charger.tags.add(Tag.objects.create(name="USB C", slug="usb-c"))
    return {"spark": spark, "galaxy": galaxy, "charger": charger}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("spark", ["spark-20"]),
        ("TECNO", ["spark-20"]),
        ("TEC-SPK-20", ["spark-20"]),
        ("spk", ["spark-20"]),
        ("amoled", ["galaxy-a15"]),
        ("usb", ["charger"]),
        ("galaxy a15", ["galaxy-a15"]),
        ("galaxy spark", []),
        ("iphone", []),
    ],
)
def test_search_finds_name_brand_sku_tags_and_description(api, shop, text, expected):
    assert search(api, text) == expected


def test_each_word_also_matches_as_a_prefix(api, shop):
    assert search(api, "sams") == ["galaxy-a15", "charger"]
    assert search(api, "char") == ["charger"]


def test_a_match_in_the_name_ranks_above_one_in_the_description(api, shop):
    # Both mention Samsung; the Galaxy by brand, the charger only in its description.
    assert search(api, "samsung") == ["galaxy-a15", "charger"]


def test_an_explicit_ordering_wins_over_the_rank(api, shop):
    assert search(api, "samsung", ordering="name") == ["charger", "galaxy-a15"]


def test_search_combines_with_the_other_filters(api, shop):
    assert search(api, "samsung", brand="oraimo") == ["charger"]


def test_search_sees_renames_new_skus_and_new_tags_at_once(api, staff_api, shop):
    spark = shop["spark"]

    staff_api.patch(f"/api/v1/products/{spark.slug}", {"name": "Pova 6", "tags": ["Gaming"]}, format="json")
    staff_api.post(f"/api/v1/products/{spark.slug}/variants", {"sku": "POVA-6-GRN", "price": "1.00"}, format="json")

    assert search(api, "pova") == ["spark-20"]
    assert search(api, "gaming") == ["spark-20"]
    assert search(api, "grn") == ["spark-20"]
    assert search(api, "spark") == []


def test_search_sees_a_renamed_tag(api, shop):
    Tag.objects.filter(slug="usb-c").update(name="Type C")

    assert search(api, "type") == ["charger"]


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE catalog_product;--",
        "a & | ! ( ) : * <-> \\",
        "!!!",
        "'",
        "\x00",
        "sam\x00sung",
        "%",
        "_",
        "(((((((((((",
        "x" * 10_000,
        "🙂📱",
        "a:* | b:*",
        " ".join(["word"] * 500),
    ],
    ids=[
        "sql",
        "tsquery-operators",
        "bangs",
        "quote",
        "nul",
        "nul-inside",
        "percent",
        "underscore",
        "parens",
        "very-long",
        "emoji",
        "raw-tsquery",
        "many-words",
    ],
)
def test_hostile_search_strings_answer_200_and_never_break_the_query(api, shop, text):
    response = api.get("/api/v1/products", {"search": text})

    assert response.status_code == 200
    assert set(response.json()) == {"count", "next", "previous", "results"}


def test_punctuation_only_search_is_ignored(api, shop):
    assert len(search(api, "!!! ***")) == 3


def test_search_ignores_inactive_products(api, shop):
    Product.objects.filter(slug="galaxy-a15").update(is_active=False)

    assert search(api, "samsung") == ["charger"]


# --- PostgreSQL full-text ---------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_search_uses_the_gin_index():
    ProductFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM catalog_product WHERE search_vector @@ to_tsquery('simple', 'phone:*')")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "product_search_gin" in plan


@pytest.mark.postgres
def test_postgres_search_vector_weights_name_above_tags_above_description():
    product = VariantFactory(sku="SKU-XYZ", product__name="Alpha", product__description="gamma").product
    product.tags.add(Tag.objects.create(name="beta", slug="beta"))

    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM catalog_product WHERE id = %s", [product.pk])
        (vector,) = cursor.fetchone()

    weights = {lexeme: positions[-1] for lexeme, positions in re.findall(r"'([^']+)':(\S+)", vector)}
    assert weights["alpha"] == "A"
    assert weights["sku-xyz"] == "A"
    assert weights["beta"] == "B"
    assert weights["gamma"] == "C"
