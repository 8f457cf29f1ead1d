from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from catalog.inventory import StockLine, stock_adjust, stock_reserve
from catalog.models import StockMovement
from catalog.tests.factories import VariantFactory
from core.testing import error_attrs, error_codes

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/inventory/variants", "/api/v1/inventory/movements"])
def test_inventory_reads_are_for_staff_only(api, customer_api, path):
    assert api.get(path).status_code == 401
    assert customer_api.get(path).status_code == 403


def test_inventory_variants_show_stock_reservations_and_availability(staff_api):
    variant = VariantFactory(stock_quantity=9)
    stock_reserve(lines=[StockLine(variant.pk, 4)])

    rows = staff_api.get("/api/v1/inventory/variants").json()["results"]

    assert rows == [
        {
            "variant_id": variant.pk, "sku": variant.sku, "product": variant.product.name, "stock_quantity": 9,
            "reserved_quantity": 4, "available": 5, "reorder_point": 2, "reorder_quantity": 20,
        }
    ]  # fmt: skip


def test_low_stock_filter_lists_only_variants_at_or_below_their_reorder_point(staff_api):
    low, _ = VariantFactory(stock_quantity=2, reorder_point=2), VariantFactory(stock_quantity=30)

    rows = staff_api.get("/api/v1/inventory/variants?low_stock=true").json()["results"]

    assert [row["sku"] for row in rows] == [low.sku]


def test_inventory_search_finds_a_variant_by_sku(staff_api):
    wanted, _ = VariantFactory(sku="TEC-SPARK-20"), VariantFactory(sku="SAM-A15")

    rows = staff_api.get("/api/v1/inventory/variants?search=spark").json()["results"]

    assert [row["sku"] for row in rows] == [wanted.sku]


def test_inventory_variant_list_runs_a_constant_number_of_queries(staff_api, django_assert_max_num_queries):
    for _ in range(30):
        VariantFactory()

    with django_assert_max_num_queries(4):  # user, count, page (with products), nothing per row
        response = staff_api.get("/api/v1/inventory/variants?page_size=30")

    assert len(response.json()["results"]) == 30


def test_staff_adjustment_changes_stock_and_answers_the_movement(staff_api, staff_user):
    variant = VariantFactory(stock_quantity=3)

    response = staff_api.post(
        "/api/v1/inventory/adjustments", {"variant_id": variant.pk, "delta": 7, "reason": "restock", "note": "PO-12"}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["delta"], body["reason"], body["created_by"], body["sku"]) == (
        7,
        "restock",
        staff_user.email,
        variant.sku,
    )
    variant.refresh_from_db()
    assert variant.stock_quantity == 10


def test_adjustment_that_would_make_stock_negative_answers_409_and_changes_nothing(staff_api):
    variant = VariantFactory(stock_quantity=3)

    response = staff_api.post(
        "/api/v1/inventory/adjustments", {"variant_id": variant.pk, "delta": -4, "reason": "damage"}
    )

    assert response.status_code == 409
    variant.refresh_from_db()
    assert variant.stock_quantity == 3
    assert not StockMovement.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"variant_id": "abc", "delta": 1, "reason": "restock"},
        {"variant_id": 1, "delta": 0, "reason": "restock"},
        {"variant_id": 1, "delta": 10**12, "reason": "restock"},
        {"variant_id": 1, "delta": 1, "reason": "sale"},
        {"variant_id": 1, "delta": "many", "reason": "restock"},
        {"delta": 1, "reason": "restock"},
        [],
    ],
)
def test_malformed_adjustments_answer_400(staff_api, body):
    VariantFactory(pk=1, stock_quantity=5)

    response = staff_api.post("/api/v1/inventory/adjustments", body, format="json")

    assert response.status_code == 400
    assert not StockMovement.objects.exists()


def test_adjustment_of_an_unknown_variant_answers_400(staff_api):
    response = staff_api.post("/api/v1/inventory/adjustments", {"variant_id": 987654, "delta": 1, "reason": "restock"})

    assert response.status_code == 400
    assert error_codes(response)


def test_customers_cannot_adjust_stock(customer_api):
    variant = VariantFactory(stock_quantity=3)

    response = customer_api.post(
        "/api/v1/inventory/adjustments", {"variant_id": variant.pk, "delta": 5, "reason": "restock"}
    )

    assert response.status_code == 403
    variant.refresh_from_db()
    assert variant.stock_quantity == 3


def test_movements_filter_by_variant_reason_and_store_days(staff_api):
    first, second = VariantFactory(stock_quantity=5), VariantFactory(stock_quantity=5)
    stock_adjust(variant_id=first.pk, delta=2, reason="restock")
    stock_adjust(variant_id=second.pk, delta=-1, reason="damage")
    old = stock_adjust(variant_id=first.pk, delta=1, reason="restock")
    StockMovement.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    today = timezone.localtime(timezone.now(), timezone=ZoneInfo(settings.STORE_TIME_ZONE)).date()

    by_variant = staff_api.get(f"/api/v1/inventory/movements?variant_id={first.pk}").json()
    by_reason = staff_api.get("/api/v1/inventory/movements?reason=damage").json()
    by_day = staff_api.get(f"/api/v1/inventory/movements?date_from={today}&date_to={today}").json()

    assert by_variant["count"] == 2
    assert [row["variant_id"] for row in by_reason["results"]] == [second.pk]
    assert by_day["count"] == 2


def test_movements_reject_malformed_dates(staff_api):
    response = staff_api.get("/api/v1/inventory/movements?date_from=yesterday")

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("query", "attr", "code"),
    [
        ("variant_id=-1e300", "variant_id", "invalid"),
        ("variant_id=99999999999999999999999", "variant_id", "max_value"),
        ("variant_id=-5", "variant_id", "min_value"),
        ("variant_id=1.5", "variant_id", "invalid"),
        ("date_from=0999-12-31", "date_from", "min_value"),
        ("date_to=0001-01-01", "date_to", "min_value"),
        ("date_from=2026-05-01&date_to=2026-01-01", "date_to", "invalid_range"),
    ],
)
def test_movements_refuse_absurd_parameters_naming_them(staff_api, query, attr, code):
    stock_adjust(variant_id=VariantFactory(stock_quantity=5).pk, delta=1, reason="restock")

    response = staff_api.get(f"/api/v1/inventory/movements?{query}")

    assert response.status_code == 400, response.content
    assert (error_attrs(response), error_codes(response)) == ([attr], [code])


def test_movements_take_any_day_from_the_year_1000_to_9999(staff_api):
    variant = VariantFactory(stock_quantity=5)
    stock_adjust(variant_id=variant.pk, delta=1, reason="restock")
    stock_adjust(variant_id=variant.pk, delta=-1, reason="damage")

    response = staff_api.get("/api/v1/inventory/movements?date_from=1000-01-01&date_to=9999-12-31")

    assert response.status_code == 200
    assert response.json()["count"] == StockMovement.objects.count() == 2


def test_movements_ignore_an_unknown_ordering_and_keep_their_order(staff_api):
    variant = VariantFactory(stock_quantity=5)
    for delta in (1, 2, 3):
        stock_adjust(variant_id=variant.pk, delta=delta, reason="restock")
    default = staff_api.get("/api/v1/inventory/movements").json()["results"]

    response = staff_api.get("/api/v1/inventory/movements?ordering=no_such_field")

    assert response.status_code == 200
    assert response.json()["results"] == default


def test_a_movements_page_past_the_end_is_a_404_envelope(staff_api):
    response = staff_api.get("/api/v1/inventory/movements?page=9999")

    assert response.status_code == 404
    assert error_codes(response) == ["not_found"]


def sell(variant, quantity: int, days_ago: int) -> None:
    stock_reserve(lines=[StockLine(variant.pk, quantity)])
    from catalog.inventory import stock_commit

    stock_commit(lines=[StockLine(variant.pk, quantity)])
    StockMovement.objects.filter(
        variant=variant, reason="sale", created_at__gte=timezone.now() - timedelta(minutes=1)
    ).update(created_at=timezone.now() - timedelta(days=days_ago))


def test_reorder_suggestions_flag_fast_sellers_and_items_at_the_reorder_point(staff_api):
    fast = VariantFactory(sku="FAST", stock_quantity=115, reorder_point=2, reorder_quantity=10)
    sell(fast, 60, days_ago=3)  # 2 a day: 40 left is 20 days of cover, not flagged yet
    sell(fast, 15, days_ago=40)  # outside the 30-day window: not counted in the rate
    low = VariantFactory(sku="LOW", stock_quantity=2, reorder_point=2, reorder_quantity=25)
    VariantFactory(sku="CALM", stock_quantity=50, reorder_point=2)

    first = {row["sku"]: row for row in staff_api.get("/api/v1/inventory/reorder-suggestions").json()}
    sell(fast, 20, days_ago=1)  # 80 in 30 days: 2.67 a day; 20 left is 7.5 days of cover
    second = {row["sku"]: row for row in staff_api.get("/api/v1/inventory/reorder-suggestions").json()}

    assert set(first) == {"LOW"}
    assert first["LOW"] == {
        "variant_id": low.pk, "sku": "LOW", "available": 2, "avg_daily_sales_30d": "0.00", "days_of_cover": None,
        "suggested_quantity": 25,
    }  # fmt: skip
    assert set(second) == {"LOW", "FAST"}
    assert second["FAST"]["avg_daily_sales_30d"] == "2.67"
    assert second["FAST"]["days_of_cover"] == "7.5"
    assert second["FAST"]["suggested_quantity"] == 80 + 2 - 20  # a month of sales plus the reorder point


def test_parts_used_in_repairs_count_as_sales_for_reorder_suggestions(staff_api):
    from catalog.inventory import stock_commit, stock_release

    part = VariantFactory(sku="SCREEN", stock_quantity=40, reorder_point=2, reorder_quantity=10)
    stock_reserve(lines=[StockLine(part.pk, 34)], repair_id=5)
    stock_release(lines=[StockLine(part.pk, 4)], repair_id=5)  # given back: not a sale
    stock_commit(lines=[StockLine(part.pk, 30)], repair_id=5)  # 1 a day: 10 left is 10 days of cover

    rows = {row["sku"]: row for row in staff_api.get("/api/v1/inventory/reorder-suggestions").json()}

    assert rows["SCREEN"]["avg_daily_sales_30d"] == "1.00"
    assert rows["SCREEN"]["days_of_cover"] == "10.0"


def test_reorder_suggestions_leave_out_what_the_shop_no_longer_sells(staff_api):
    VariantFactory(sku="LOW", stock_quantity=1, reorder_point=2)
    VariantFactory(sku="RETIRED-VARIANT", stock_quantity=1, reorder_point=2, is_active=False)
    retired = VariantFactory(sku="RETIRED-PRODUCT", stock_quantity=1, reorder_point=2)
    retired.product.is_active = False
    retired.product.save()

    rows = staff_api.get("/api/v1/inventory/reorder-suggestions").json()

    assert [row["sku"] for row in rows] == ["LOW"]


def test_reorder_suggestions_are_for_staff_only(api, customer_api):
    assert api.get("/api/v1/inventory/reorder-suggestions").status_code == 401
    assert customer_api.get("/api/v1/inventory/reorder-suggestions").status_code == 403
