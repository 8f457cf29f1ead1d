from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import Coupon, CouponRedemption, Promotion
from catalog.services.discounts import coupon_check, coupon_redeem, coupon_redemption_release
from catalog.tests.factories import VariantFactory, make_category
from core.testing import error_attrs, error_codes

pytestmark = pytest.mark.django_db


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# --- Promotions -------------------------------------------------------------------------------------


def test_staff_create_a_promotion_and_it_drives_sale_price_at_once(staff_api, api):
    variant = VariantFactory(price=Decimal("1000.00"))

    response = staff_api.post(
        "/api/v1/promotions",
        {"name": "Black Friday", "kind": "percentage", "value": "15", "products": [variant.product_id]},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["value"], body["products"], body["categories"]) == (
        "percentage", "15.00", [variant.product_id], []
    )  # fmt: skip
    assert api.get(f"/api/v1/products/{variant.product.slug}").json()["sale_price"] == "850.00"


def test_a_category_promotion_covers_its_subcategories(staff_api, api):
    phones = make_category("Phones")
    android = make_category("Android", parent=phones)
    variant = VariantFactory(price=Decimal("200.00"), product__category=android)

    staff_api.post(
        "/api/v1/promotions",
        {"name": "Phones week", "kind": "fixed", "value": "50.00", "categories": [phones.pk]},
        format="json",
    )

    assert api.get(f"/api/v1/products/{variant.product.slug}").json()["sale_price"] == "150.00"


def test_deactivating_a_promotion_ends_the_sale_price(staff_api, api):
    variant = VariantFactory(price=Decimal("1000.00"))
    promotion = staff_api.post(
        "/api/v1/promotions",
        {"name": "Sale", "kind": "fixed", "value": "100", "products": [variant.product_id]},
        format="json",
    ).json()

    response = staff_api.patch(f"/api/v1/promotions/{promotion['id']}", {"is_active": False}, format="json")

    assert response.status_code == 200
    assert response.json()["products"] == [variant.product_id]
    assert api.get(f"/api/v1/products/{variant.product.slug}").json()["sale_price"] is None


@pytest.mark.parametrize(
    ("overrides", "attr", "code"),
    [
        ({"value": "101", "kind": "percentage"}, "value", "max_value"),
        ({"value": "0"}, "value", "min_value"),
        ({"value": "-5"}, "value", "min_value"),
        ({"value": "1e30"}, "value", "max_digits"),
        ({"kind": "bogo"}, "kind", "invalid_choice"),
        ({"products": [999999]}, "products", "does_not_exist"),
        ({"products": [10**40]}, "products", "does_not_exist"),
        ({"products": "1,2"}, "products", "not_a_list"),
        ({"products": [], "categories": []}, "non_field_errors", "required"),
        ({"starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-11-01T00:00:00Z"}, "ends_at", "invalid"),
        ({"starts_at": "yesterday"}, "starts_at", "invalid"),
    ],
)
def test_promotion_bad_input_is_a_400_and_creates_nothing(staff_api, overrides, attr, code):
    product = VariantFactory().product
    body = {"name": "P", "kind": "fixed", "value": "10", "products": [product.pk], **overrides}

    response = staff_api.post("/api/v1/promotions", body, format="json")

    assert response.status_code == 400, response.content
    assert (error_attrs(response), error_codes(response)) == ([attr], [code])
    assert not Promotion.objects.exists()


def test_patching_a_percentage_above_100_checks_against_the_stored_kind(staff_api):
    promotion = Promotion.objects.create(name="P", kind="percentage", value=Decimal("10"))
    promotion.products.add(VariantFactory().product)

    response = staff_api.patch(f"/api/v1/promotions/{promotion.pk}", {"value": "150"}, format="json")

    assert response.status_code == 400
    assert error_attrs(response) == ["value"]


def test_promotions_and_coupons_are_staff_only(api, customer_api, staff_api):
    for path in ("/api/v1/promotions", "/api/v1/coupons"):
        assert api.get(path).status_code == 401
        assert customer_api.get(path).status_code == 403
        assert customer_api.post(path, {}, format="json").status_code == 403
        assert staff_api.get(path).status_code == 200


def test_promotion_list_is_paginated_with_constant_queries(staff_api, django_assert_max_num_queries):
    products = [VariantFactory().product for _ in range(3)]
    for n in range(12):
        promotion = Promotion.objects.create(name=f"P{n}", kind="fixed", value=Decimal("1"))
        promotion.products.set(products)

    with django_assert_max_num_queries(8):
        body = staff_api.get("/api/v1/promotions?page_size=10").json()

    assert body["count"] == 12
    assert len(body["results"]) == 10


def test_staff_delete_a_promotion(staff_api):
    promotion = Promotion.objects.create(name="P", kind="fixed", value=Decimal("1"))

    assert staff_api.delete(f"/api/v1/promotions/{promotion.pk}").status_code == 204
    assert staff_api.delete(f"/api/v1/promotions/{promotion.pk}").status_code == 404


# --- Coupons ----------------------------------------------------------------------------------------


def coupon_body(**overrides) -> dict:
    return {"code": "save10", "kind": "percentage", "value": "10", **overrides}


def test_staff_create_a_coupon_stored_upper_case(staff_api):
    response = staff_api.post(
        "/api/v1/coupons", coupon_body(min_subtotal="500.00", max_uses=100, max_uses_per_customer=1), format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["min_subtotal"], body["max_uses"], body["times_used"]) == ("SAVE10", "500.00", 100, 0)


def test_coupon_codes_are_unique_case_insensitively(staff_api):
    staff_api.post("/api/v1/coupons", coupon_body(), format="json")

    response = staff_api.post("/api/v1/coupons", coupon_body(code="Save10"), format="json")

    assert response.status_code == 400
    assert (error_attrs(response), error_codes(response)) == (["code"], ["unique"])


@pytest.mark.parametrize(
    ("overrides", "attr", "code"),
    [
        ({"code": "no spaces"}, "code", "invalid"),
        ({"code": "ab"}, "code", "invalid"),
        ({"code": "x" * 41}, "code", "invalid"),
        ({"max_uses": 0}, "max_uses", "min_value"),
        ({"max_uses_per_customer": -1}, "max_uses_per_customer", "min_value"),
        ({"min_subtotal": "-1"}, "min_subtotal", "min_value"),
        ({"value": "100.01"}, "value", "max_value"),
        ({"times_used": 5, "value": "abc"}, "value", "invalid"),
    ],
)
def test_coupon_bad_input_is_a_400(staff_api, overrides, attr, code):
    response = staff_api.post("/api/v1/coupons", coupon_body(**overrides), format="json")

    assert response.status_code == 400, response.content
    assert (error_attrs(response), error_codes(response)) == ([attr], [code])
    assert not Coupon.objects.exists()


def test_times_used_is_read_only(staff_api):
    coupon = staff_api.post("/api/v1/coupons", coupon_body(times_used=50), format="json").json()

    assert coupon["times_used"] == 0


def test_deleting_a_used_coupon_deactivates_it(staff_api, customer):
    used = Coupon.objects.create(code="USED", kind="fixed", value=Decimal("50"))
    coupon_redeem(coupon=used, user=customer, order_id=1, subtotal=Decimal("500"))
    unused = Coupon.objects.create(code="UNUSED", kind="fixed", value=Decimal("50"))

    assert staff_api.delete(f"/api/v1/coupons/{used.pk}").status_code == 204
    assert staff_api.delete(f"/api/v1/coupons/{unused.pk}").status_code == 204

    used.refresh_from_db()
    assert used.is_active is False
    assert not Coupon.objects.filter(pk=unused.pk).exists()


# --- Coupon rules (used by the cart and checkout) ---------------------------------------------------


def rejection(**kwargs) -> tuple[str, str]:
    from rest_framework.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        coupon_check(**kwargs)
    (error,) = caught.value.detail["code"]
    return error.code, str(error)


def test_a_valid_coupon_is_found_whatever_the_case_of_the_code(customer):
    coupon = Coupon.objects.create(code="SAVE10", kind="percentage", value=Decimal("10"))

    assert coupon_check(code=" save10 ", subtotal=Decimal("100"), user=customer) == coupon


def test_coupon_window_rules():
    now = timezone.now()
    Coupon.objects.create(code="LATER", kind="fixed", value=Decimal("1"), starts_at=now + timedelta(days=1))
    Coupon.objects.create(code="OVER", kind="fixed", value=Decimal("1"), ends_at=now - timedelta(seconds=1))
    Coupon.objects.create(code="OFF", kind="fixed", value=Decimal("1"), is_active=False)

    assert rejection(code="LATER", subtotal=Decimal("1"))[0] == "coupon_invalid"
    assert rejection(code="OVER", subtotal=Decimal("1"))[0] == "coupon_expired"
    assert rejection(code="OFF", subtotal=Decimal("1"))[0] == "coupon_invalid"
    assert rejection(code="NOPE", subtotal=Decimal("1"))[0] == "coupon_invalid"
    assert rejection(code="x" * 500, subtotal=Decimal("1"))[0] == "coupon_invalid"


def test_coupon_minimum_subtotal():
    Coupon.objects.create(code="BIG", kind="fixed", value=Decimal("100"), min_subtotal=Decimal("1000.00"))

    code, message = rejection(code="BIG", subtotal=Decimal("999.99"))

    assert code == "coupon_invalid"
    assert "1000.00" in message
    assert coupon_check(code="BIG", subtotal=Decimal("1000.00")).code == "BIG"


def test_coupon_total_and_per_customer_limits(customer, staff_user):
    coupon = Coupon.objects.create(code="TWICE", kind="fixed", value=Decimal("10"), max_uses=2, max_uses_per_customer=1)

    coupon_redeem(coupon=coupon, user=customer, order_id=1, subtotal=Decimal("100"))
    assert rejection(code="TWICE", subtotal=Decimal("100"), user=customer)[0] == "coupon_invalid"
    coupon_redeem(coupon=coupon, user=staff_user, order_id=2, subtotal=Decimal("100"))

    coupon.refresh_from_db()
    assert coupon.times_used == 2
    assert "used up" in rejection(code="TWICE", subtotal=Decimal("100"), user=staff_user)[1]


def test_redeeming_records_the_discount_and_releasing_gives_the_use_back(customer):
    coupon = Coupon.objects.create(code="HALF", kind="percentage", value=Decimal("50"), max_uses=1)

    redemption = coupon_redeem(coupon=coupon, user=customer, order_id=9, subtotal=Decimal("333.33"))
    assert redemption.discount == Decimal("166.66")
    assert coupon_redemption_release(order_id=9) == 1

    coupon.refresh_from_db()
    assert coupon.times_used == 0
    assert not CouponRedemption.objects.exists()
    assert coupon_check(code="HALF", subtotal=Decimal("1"), user=customer) == coupon


def test_a_fixed_coupon_never_takes_more_than_the_subtotal(customer):
    coupon = Coupon.objects.create(code="BIGFIX", kind="fixed", value=Decimal("500"))

    assert coupon_redeem(coupon=coupon, user=customer, order_id=3, subtotal=Decimal("120")).discount == Decimal("120")


def test_a_code_longer_than_any_code_matches_nothing_even_if_it_starts_like_one(db):
    from rest_framework.exceptions import ValidationError

    Coupon.objects.create(code="A" * 40, kind="fixed", value=Decimal("100"))

    with pytest.raises(ValidationError):
        coupon_check(code="A" * 40 + "B", subtotal=Decimal("1000"))
    assert coupon_check(code="a" * 40, subtotal=Decimal("1000")).code == "A" * 40
