import json
from decimal import Decimal

import pytest

from catalog.inventory import StockLine, stock_reserve
from catalog.models import MovementReason, PriceHistory, Product, ProductVariant, StockMovement, Tag
from catalog.tests.factories import ProductFactory, VariantFactory, make_category
from core.testing import error_attrs, error_codes

pytestmark = pytest.mark.django_db

URL = "/api/v1/products"


@pytest.fixture
def phones():
    return make_category("Phones")


def simple_body(category_, **overrides) -> dict:
    return {"name": "Tecno Spark 20", "category": category_.pk, "price": "15999.00", **overrides}


def test_staff_create_a_simple_product_with_price_and_stock_at_the_top(staff_api, staff_user, phones):
    response = staff_api.post(
        URL, simple_body(phones, sku="TS20-BLK", stock_quantity=12, brand="Tecno", tags=["Budget", "4G"]), format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "tecno-spark-20"
    assert body["is_active"] is True
    assert body["tags"] == ["4G", "Budget"]
    (variant,) = body["variants"]
    assert variant["sku"] == "TS20-BLK"
    assert variant["price"] == "15999.00"
    assert variant["stock_quantity"] == 12
    assert variant["available"] == 12
    movement = StockMovement.objects.get(variant_id=variant["id"])
    assert (movement.delta, movement.reason, movement.actor) == (12, MovementReason.RESTOCK, staff_user)
    assert "sku" not in body  # the shortcut fields are write-only


def test_simple_product_without_sku_gets_one_made_from_its_slug(staff_api, phones):
    VariantFactory(sku="TECNO-SPARK-20")

    body = staff_api.post(URL, simple_body(phones, slug="tecno-spark-20"), format="json").json()

    assert body["variants"][0]["sku"] == "TECNO-SPARK-20-2"
    assert body["variants"][0]["stock_quantity"] == 0


def test_staff_create_a_product_with_several_variants(staff_api, phones):
    body = {
        "name": "Samsung Galaxy A15",
        "category": phones.pk,
        "specifications": {"RAM": "8 GB", "Dual SIM": True},
        "meta_title": "Galaxy A15 in Nairobi",
        "variants": [
            {"sku": "A15-128", "name": "128 GB", "attributes": {"storage": "128 GB"}, "price": "21999.00",
             "stock_quantity": 3, "reorder_point": 1, "reorder_quantity": 10},
            {"sku": "A15-256", "name": "256 GB", "attributes": {"storage": "256 GB"}, "price": "25999.00"},
        ],
    }  # fmt: skip

    response = staff_api.post(URL, body, format="json")

    assert response.status_code == 201, response.content
    product = Product.objects.get(slug="samsung-galaxy-a15")
    assert product.specifications == {"RAM": "8 GB", "Dual SIM": True}
    assert {(v.sku, v.price, v.stock_quantity, v.reorder_point) for v in product.variants.all()} == {
        ("A15-128", Decimal("21999.00"), 3, 1),
        ("A15-256", Decimal("25999.00"), 0, 5),
    }
    assert response.json()["price"] == "21999.00"


def test_created_product_is_public_at_once(staff_api, api, phones):
    slug = staff_api.post(URL, simple_body(phones, stock_quantity=1), format="json").json()["slug"]

    assert api.get(f"{URL}/{slug}").json()["variants"][0]["in_stock"] is True


def test_generated_slugs_are_unique_and_never_all_digits(staff_api, phones):
    first = staff_api.post(URL, simple_body(phones, name="2024"), format="json").json()
    second = staff_api.post(URL, simple_body(phones, name="2024"), format="json").json()
    blank = staff_api.post(URL, simple_body(phones, name="!!!"), format="json").json()

    assert (first["slug"], second["slug"], blank["slug"]) == ("product-2024", "product-2024-2", "product")


@pytest.mark.parametrize(
    ("overrides", "attr", "code"),
    [
        ({"slug": "12345"}, "slug", "invalid"),
        ({"price": "-1.00"}, "price", "min_value"),
        ({"price": "100000000000.00"}, "price", "max_digits"),
        ({"price": "12.345"}, "price", "max_decimal_places"),
        ({"price": "abc"}, "price", "invalid"),
        ({"stock_quantity": -1}, "stock_quantity", "min_value"),
        ({"stock_quantity": 10**12}, "stock_quantity", "max_value"),
        ({"category": 999999}, "category", "does_not_exist"),
        ({"category": 10**30}, "category", "does_not_exist"),
        ({"category": True}, "category", "incorrect_type"),
        ({"category": "phones"}, "category", "incorrect_type"),
        ({"name": ""}, "name", "blank"),
        ({"name": "x" * 201}, "name", "max_length"),
        ({"specifications": ["RAM"]}, "specifications", "not_an_object"),
        ({"specifications": {"RAM": {"size": 8}}}, "specifications", "bad_value"),
        ({"specifications": {f"k{i}": "v" for i in range(51)}}, "specifications", "too_many_keys"),
        ({"specifications": {"RAM": "8\x00GB"}}, "specifications", "null_characters_not_allowed"),
        ({"specifications": {"R\x00AM": "8 GB"}}, "specifications", "null_characters_not_allowed"),
        ({"tags": "phones"}, "tags", "not_a_list"),
        ({"tags": ["x" * 61]}, "tags.0", "max_length"),
        ({"sku": "has space"}, "sku", "invalid"),
        ({"price": None}, "price", "null"),
    ],
)
def test_create_refuses_bad_fields_and_writes_nothing(staff_api, phones, overrides, attr, code):
    response = staff_api.post(URL, simple_body(phones, **overrides), format="json")

    assert response.status_code == 400, response.content
    assert (error_attrs(response), error_codes(response)) == ([attr], [code])
    assert not Product.objects.exists()


@pytest.mark.parametrize("field", ["specifications", "attributes"])
def test_a_lone_surrogate_in_specifications_or_attributes_is_refused(staff_api, phones, field):
    half_an_emoji = {"colour": "\ud83d"}
    if field == "specifications":
        body = simple_body(phones, specifications=half_an_emoji)
    else:
        variant = {"sku": "T-1", "price": "1", "attributes": half_an_emoji}
        body = {"name": "Tecno", "category": phones.pk, "variants": [variant]}

    response = staff_api.post(URL, data=json.dumps(body), content_type="application/json")

    assert response.status_code == 400, response.content
    attr = field if field == "specifications" else "variants.0.attributes"
    assert (error_attrs(response), error_codes(response)) == ([attr], ["surrogate_characters_not_allowed"])
    assert not Product.objects.exists()


def test_create_needs_variants_or_a_price(staff_api, phones):
    response = staff_api.post(URL, {"name": "Bare", "category": phones.pk}, format="json")

    assert response.status_code == 400
    assert error_attrs(response) == ["variants"]


def test_create_refuses_both_variants_and_the_simple_shortcut(staff_api, phones):
    body = simple_body(phones, variants=[{"sku": "A", "price": "1.00"}])

    response = staff_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert error_attrs(response) == ["non_field_errors"]


def test_new_variants_need_sku_and_price(staff_api, phones):
    body = {"name": "Case", "category": phones.pk, "variants": [{"sku": "CASE-1", "price": "5.00"}, {"name": "Red"}]}

    response = staff_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert sorted(error_attrs(response)) == ["variants.1.price", "variants.1.sku"]
    assert not Product.objects.exists()


def test_sku_must_be_unique_case_insensitively_in_the_request_and_the_shop(staff_api, phones):
    VariantFactory(sku="TAKEN-1")
    body = {
        "name": "Cable",
        "category": phones.pk,
        "variants": [
            {"sku": "cable-1", "price": "5.00"},
            {"sku": "CABLE-1", "price": "5.00"},
            {"sku": "taken-1", "price": "5.00"},
        ],
    }

    response = staff_api.post(URL, body, format="json")

    assert response.status_code == 400
    assert error_attrs(response) == ["variants.1.sku", "variants.2.sku"]
    assert set(error_codes(response)) == {"unique"}
    assert not Product.objects.filter(name="Cable").exists()


def test_simple_product_sku_clash_is_reported_on_sku(staff_api, phones):
    VariantFactory(sku="TAKEN-1")

    response = staff_api.post(URL, simple_body(phones, sku="TAKEN-1"), format="json")

    assert response.status_code == 400
    assert (error_attrs(response), error_codes(response)) == (["sku"], ["unique"])


def test_taken_slug_is_refused(staff_api, phones):
    ProductFactory(slug="tecno-spark-20")

    response = staff_api.post(URL, simple_body(phones, slug="tecno-spark-20"), format="json")

    assert response.status_code == 400
    assert (error_attrs(response), error_codes(response)) == (["slug"], ["unique"])


def test_malformed_json_is_a_400(staff_api):
    response = staff_api.generic("POST", URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert error_codes(response) == ["parse_error"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_customers_get_403_and_anonymous_callers_401_on_writes(api, customer_api, phones, method):
    product = VariantFactory().product
    url = URL if method == "post" else f"{URL}/{product.slug}"

    assert getattr(customer_api, method)(url, simple_body(phones), format="json").status_code == 403
    assert getattr(api, method)(url, simple_body(phones), format="json").status_code == 401
    assert Product.objects.count() == 1
    assert Product.objects.get().is_active


def test_customers_cannot_touch_variants_images_or_price_history(customer_api):
    variant = VariantFactory()
    base = f"{URL}/{variant.product.slug}"

    assert customer_api.post(f"{base}/variants", {"sku": "X", "price": "1.00"}, format="json").status_code == 403
    assert customer_api.patch(f"{base}/variants/{variant.pk}", {"price": "1.00"}, format="json").status_code == 403
    assert customer_api.delete(f"{base}/variants/{variant.pk}").status_code == 403
    assert customer_api.get(f"{base}/price-history").status_code == 403
    assert customer_api.delete(f"{base}/images/1").status_code == 403
    variant.refresh_from_db()
    assert variant.price == Decimal("15999.00")


# --- Update -----------------------------------------------------------------------------------------


def test_patch_renames_but_keeps_the_slug(staff_api):
    product = VariantFactory(product__name="Old", product__slug="old-name").product

    response = staff_api.patch(f"{URL}/{product.slug}", {"name": "New name"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "New name"
    assert response.json()["slug"] == "old-name"


def test_patch_can_change_the_slug_and_the_old_one_stops_working(staff_api, api):
    product = VariantFactory(product__slug="old-name").product

    staff_api.patch(f"{URL}/{product.slug}", {"slug": "new-name"}, format="json")

    assert api.get(f"{URL}/new-name").status_code == 200
    assert api.get(f"{URL}/old-name").status_code == 404


def test_simple_product_price_change_writes_price_history(staff_api, staff_user):
    variant = VariantFactory(price=Decimal("1000.00"))
    product = variant.product

    response = staff_api.patch(f"{URL}/{product.slug}", {"price": "900.00"}, format="json")
    staff_api.patch(f"{URL}/{product.slug}", {"price": "900.00"}, format="json")  # no change, no history

    assert response.json()["price"] == "900.00"
    history = staff_api.get(f"{URL}/{product.slug}/price-history").json()
    assert history["count"] == 1
    row = history["results"][0]
    assert {k: row[k] for k in ("variant", "sku", "old_price", "new_price", "changed_by")} == {
        "variant": variant.pk, "sku": variant.sku, "old_price": "1000.00", "new_price": "900.00",
        "changed_by": staff_user.email,
    }  # fmt: skip


def test_price_shortcut_on_a_product_with_several_variants_is_refused(staff_api):
    variant = VariantFactory()
    VariantFactory(product=variant.product)

    response = staff_api.patch(f"{URL}/{variant.product.slug}", {"price": "1.00"}, format="json")

    assert response.status_code == 400
    assert error_attrs(response) == ["price"]


def test_patch_variants_changes_by_id_or_sku_and_adds_new_ones(staff_api):
    first = VariantFactory(sku="V-1", price=Decimal("10.00"))
    product = first.product
    second = VariantFactory(product=product, sku="V-2", price=Decimal("20.00"))
    body = {
        "variants": [
            {"id": first.pk, "price": "11.00", "name": "Blue"},
            {"sku": "v-2", "price": "21.00"},
            {"sku": "V-3", "price": "30.00", "stock_quantity": 2},
        ]
    }

    response = staff_api.patch(f"{URL}/{product.slug}", body, format="json")

    assert response.status_code == 200, response.content
    prices = dict(product.variants.values_list("sku", "price"))
    # Matched case-insensitively; the SKU takes the spelling sent.
    assert prices == {"V-1": Decimal("11.00"), "v-2": Decimal("21.00"), "V-3": Decimal("30.00")}
    assert ProductVariant.objects.get(pk=first.pk).name == "Blue"
    assert PriceHistory.objects.filter(variant__in=[first, second]).count() == 2


def test_put_replaces_the_product_and_deactivates_variants_left_out(staff_api, phones):
    keep = VariantFactory(sku="KEEP", product__brand="Old brand", product__description="Old")
    drop = VariantFactory(product=keep.product, sku="DROP")
    body = {"name": "Replaced", "category": phones.pk, "variants": [{"sku": "KEEP", "price": "5.00"}]}

    response = staff_api.put(f"{URL}/{keep.product.slug}", body, format="json")

    assert response.status_code == 200, response.content
    drop.refresh_from_db()
    keep.refresh_from_db()
    assert (keep.is_active, keep.price, drop.is_active) == (True, Decimal("5.00"), False)
    assert [v["sku"] for v in response.json()["variants"] if v["is_active"]] == ["KEEP"]


def test_put_requires_the_whole_product(staff_api):
    product = VariantFactory().product

    name_only = staff_api.put(f"{URL}/{product.slug}", {"name": "Only a name"}, format="json")
    no_variants = staff_api.put(f"{URL}/{product.slug}", {"name": "N", "category": product.category_id}, format="json")

    assert error_attrs(name_only) == ["category"]
    assert error_attrs(no_variants) == ["variants"]
    product.refresh_from_db()
    assert product.name != "N"


def test_variant_id_of_another_product_is_refused(staff_api):
    mine = VariantFactory()
    other = VariantFactory()

    response = staff_api.patch(
        f"{URL}/{mine.product.slug}", {"variants": [{"id": other.pk, "price": "1.00"}]}, format="json"
    )

    assert response.status_code == 400
    assert error_attrs(response) == ["variants.0.id"]
    other.refresh_from_db()
    assert other.price == Decimal("15999.00")


def test_stock_count_in_a_product_write_is_a_correction_movement(staff_api, staff_user):
    variant = VariantFactory(stock_quantity=10)

    staff_api.patch(f"{URL}/{variant.product.slug}", {"stock_quantity": 7}, format="json")

    variant.refresh_from_db()
    assert variant.stock_quantity == 7
    movement = StockMovement.objects.get(variant=variant)
    assert (movement.delta, movement.reason, movement.actor) == (-3, MovementReason.CORRECTION, staff_user)


def test_stock_count_below_reservations_is_a_409_and_changes_nothing(staff_api):
    variant = VariantFactory(stock_quantity=10, price=Decimal("10.00"))
    stock_reserve(lines=[StockLine(variant.pk, 6)])

    response = staff_api.patch(
        f"{URL}/{variant.product.slug}", {"name": "Renamed", "price": "12.00", "stock_quantity": 5}, format="json"
    )

    assert response.status_code == 409
    variant.refresh_from_db()
    variant.product.refresh_from_db()
    assert (variant.stock_quantity, variant.price) == (10, Decimal("10.00"))
    assert variant.product.name != "Renamed"
    assert not PriceHistory.objects.exists()


def test_tags_are_replaced_and_matched_by_slug(staff_api):
    Tag.objects.create(name="USB C", slug="usb-c")
    product = VariantFactory().product

    staff_api.patch(f"{URL}/{product.slug}", {"tags": ["usb c", "Fast charging"]}, format="json")
    staff_api.patch(f"{URL}/{product.slug}", {"tags": ["USB-C"]}, format="json")

    assert list(product.tags.values_list("name", flat=True)) == ["USB C"]
    assert Tag.objects.count() == 2


def test_staff_see_and_edit_inactive_products_that_the_public_cannot(staff_api, api):
    product = VariantFactory(product__is_active=False).product

    assert api.get(f"{URL}/{product.slug}").status_code == 404
    staff_view = staff_api.get(f"{URL}/{product.slug}")
    assert staff_view.status_code == 200
    assert staff_view.json()["is_active"] is False
    response = staff_api.patch(f"{URL}/{product.slug}", {"is_active": True}, format="json")
    assert response.json()["is_active"] is True
    assert api.get(f"{URL}/{product.slug}").status_code == 200


def test_unknown_product_answers_404_to_staff(staff_api):
    assert staff_api.patch(f"{URL}/no-such-thing", {"name": "x"}, format="json").status_code == 404
    assert staff_api.delete(f"{URL}/999999999").status_code == 404
    assert staff_api.get(f"{URL}/99999999999999999999999/price-history").status_code == 404


# --- Delete -----------------------------------------------------------------------------------------


def test_delete_removes_a_product_never_ordered_with_its_stock_history(staff_api):
    variant = VariantFactory()
    staff_api.patch(f"{URL}/{variant.product.slug}", {"stock_quantity": 3}, format="json")

    response = staff_api.delete(f"{URL}/{variant.product.slug}")

    assert response.status_code == 204
    assert not Product.objects.exists()
    assert not StockMovement.objects.exists()


def test_delete_deactivates_a_product_that_has_orders(staff_api, api):
    variant = VariantFactory(stock_quantity=5)
    stock_reserve(lines=[StockLine(variant.pk, 1)], order_id=42)

    response = staff_api.delete(f"{URL}/{variant.product.slug}")

    assert response.status_code == 204
    product = Product.objects.get()
    assert product.is_active is False
    assert StockMovement.objects.filter(order_id=42).exists()
    assert api.get(f"{URL}/{product.slug}").status_code == 404


# --- Variants ---------------------------------------------------------------------------------------


def test_staff_add_a_variant_with_opening_stock(staff_api):
    product = VariantFactory().product

    response = staff_api.post(
        f"{URL}/{product.slug}/variants",
        {"sku": "NEW-1", "name": "Red", "attributes": {"color": "Red"}, "price": "99.50", "stock_quantity": 4},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["sku"], body["price"], body["stock_quantity"], body["available"]) == ("NEW-1", "99.50", 4, 4)
    assert StockMovement.objects.get(variant_id=body["id"]).reason == MovementReason.RESTOCK


def test_add_variant_refuses_a_taken_sku_and_bad_attributes(staff_api):
    variant = VariantFactory(sku="TAKEN")
    url = f"{URL}/{variant.product.slug}/variants"

    taken = staff_api.post(url, {"sku": "taken", "price": "1.00"}, format="json")
    nested = staff_api.post(url, {"sku": "OK", "price": "1.00", "attributes": {"a": [1]}}, format="json")
    missing = staff_api.post(url, {"name": "no sku"}, format="json")

    assert (error_attrs(taken), error_codes(taken)) == (["sku"], ["unique"])
    assert error_attrs(nested) == ["attributes"]
    assert sorted(error_attrs(missing)) == ["price", "sku"]
    assert ProductVariant.objects.count() == 1


def test_add_variant_with_an_id_still_needs_sku_and_price(staff_api):
    # `id` names an existing variant only inside a product write; here every variant is new.
    variant = VariantFactory()

    response = staff_api.post(f"{URL}/{variant.product.slug}/variants", {"id": variant.pk}, format="json")

    assert response.status_code == 400, response.content
    assert sorted(error_attrs(response)) == ["price", "sku"]
    assert ProductVariant.objects.count() == 1


def test_staff_patch_a_variant(staff_api):
    variant = VariantFactory(price=Decimal("10.00"), stock_quantity=1)

    response = staff_api.patch(
        f"{URL}/{variant.product.slug}/variants/{variant.pk}",
        {"price": "12.00", "stock_quantity": 6, "reorder_point": 3, "is_active": False},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["price"], body["stock_quantity"], body["reorder_point"], body["is_active"]) == ("12.00", 6, 3, False)
    assert PriceHistory.objects.get(variant=variant).new_price == Decimal("12.00")


def test_variant_of_another_product_answers_404(staff_api):
    mine = VariantFactory()
    other = VariantFactory()

    url = f"{URL}/{mine.product.slug}/variants/{other.pk}"
    assert staff_api.patch(url, {"price": "1.00"}, format="json").status_code == 404
    assert staff_api.delete(url).status_code == 404
    assert staff_api.patch(f"{URL}/{mine.product.slug}/variants/abc", {}, format="json").status_code == 404


def test_delete_variant_removes_it_or_deactivates_it_when_ordered(staff_api):
    keep = VariantFactory(stock_quantity=5)
    product = keep.product
    unsold = VariantFactory(product=product)
    sold = VariantFactory(product=product, stock_quantity=5)
    stock_reserve(lines=[StockLine(sold.pk, 1)], order_id=7)

    assert staff_api.delete(f"{URL}/{product.slug}/variants/{unsold.pk}").status_code == 204
    assert staff_api.delete(f"{URL}/{product.slug}/variants/{sold.pk}").status_code == 204

    assert not ProductVariant.objects.filter(pk=unsold.pk).exists()
    sold.refresh_from_db()
    assert sold.is_active is False


def test_the_last_variant_cannot_be_deleted(staff_api):
    variant = VariantFactory()

    response = staff_api.delete(f"{URL}/{variant.product.slug}/variants/{variant.pk}")

    assert response.status_code == 409
    assert error_codes(response) == ["last_variant"]
    assert ProductVariant.objects.filter(pk=variant.pk).exists()


def test_price_history_is_paginated_and_newest_first(staff_api):
    variant = VariantFactory(price=Decimal("100.00"))
    for price in ("90.00", "80.00", "70.00"):
        staff_api.patch(f"{URL}/{variant.product.slug}/variants/{variant.pk}", {"price": price}, format="json")

    body = staff_api.get(f"{URL}/{variant.product.slug}/price-history?page_size=2").json()

    assert body["count"] == 3
    assert [row["new_price"] for row in body["results"]] == ["70.00", "80.00"]
    assert body["next"] is not None
