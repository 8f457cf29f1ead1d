"""The figures of a small shop built by hand, every one worked out in the comments."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.tests.shop import nairobi, order, refund

NOVEMBER = "date_from=2026-11-01&date_to=2026-11-30"


@pytest.fixture
def shop(db):
    # Tax included at 16%: 1160.00 holds 160.00 VAT, so 1000.00 of goods.
    a = order(paid_at=nairobi(2026, 11, 3, 10), units=2, subtotal=D("1160"), rate=D("16"))
    # Tax added at 16% on goods after the coupon and shipping: (900 + 200) * 16% = 176.00; total 1276.00.
    order(paid_at=nairobi(2026, 11, 5, 9), units=1, subtotal=D("1000"), discount=D("100"), shipping=D("200"),
          rate=D("16"), inclusive=False)  # fmt: skip
    # Cash on delivery: counted on the day the cash was recorded.
    order(paid_at=nairobi(2026, 11, 10, 16), cash=True, units=5, subtotal=D("500"))
    # 23:30 in Nairobi is 20:30 UTC: still 20 November in the shop.
    order(paid_at=nairobi(2026, 11, 20, 23, 30), subtotal=D("300"))
    # 00:30 on 1 December in Nairobi is 30 November in UTC: December's.
    order(paid_at=nairobi(2026, 12, 1, 0, 30), subtotal=D("100"))
    # Never paid: no money.
    order(paid_at=None, subtotal=D("999"))
    # 200.00 of the first order given back on 15 November.
    refund(a, D("200.00"), nairobi(2026, 11, 15, 12))


def test_november_figures_follow_the_definitions(staff_api, shop):
    body = staff_api.get(f"/api/v1/analytics/dashboard?{NOVEMBER}").json()
    assert {key: body[key] for key in ("gross_sales", "discounts", "returns", "net_sales", "shipping", "tax",
                                       "total_sales", "revenue", "average_order_value")} == {
        "gross_sales": "2800.00",  # 1000 + 1000 + 500 + 300
        "discounts": "100.00",
        "returns": "-200.00",
        "net_sales": "2500.00",  # 2800 - 100 - 200
        "shipping": "200.00",
        "tax": "336.00",  # 160 + 176
        "total_sales": "3036.00",  # 1160 + 1276 + 500 + 300 - 200
        "revenue": "3036.00",
        "average_order_value": "625.00",  # 2500 / 4
    }  # fmt: skip
    assert body["orders_count"] == 4
    assert body["customers_count"] == 4
    assert body["pending_orders"] == 1


def test_the_orders_report_counts_orders_placed_by_status_and_method(staff_api, shop):
    body = staff_api.get("/api/v1/analytics/orders").json()  # the last 30 days: every order was placed today
    assert body["total"] == 6
    assert body["by_status"]["paid"] == 4 and body["by_status"]["delivered"] == 1 and body["by_status"]["pending"] == 1
    assert body["by_payment_method"] == {"mpesa": 5, "cod": 1}


def test_daily_sales_put_each_payment_and_refund_on_its_nairobi_day_with_zero_rows_between(staff_api, shop):
    rows = staff_api.get(f"/api/v1/analytics/sales?{NOVEMBER}&period=day").json()
    assert len(rows) == 30
    by_day = {row["period_start"]: row for row in rows}
    assert by_day["2026-11-03"] == {"period_start": "2026-11-03", "orders": 1, "units": 2, "revenue": "1160.00",
                                    "net_sales": "1000.00"}  # fmt: skip
    assert by_day["2026-11-10"]["units"] == 5
    assert by_day["2026-11-15"]["revenue"] == "-200.00"
    assert by_day["2026-11-20"]["revenue"] == "300.00"
    assert by_day["2026-11-30"] == {"period_start": "2026-11-30", "orders": 0, "units": 0, "revenue": "0.00",
                                    "net_sales": "0.00"}  # fmt: skip


def test_monthly_sales_compared_with_the_previous_year_carry_zeros_for_the_empty_year(staff_api, shop):
    rows = staff_api.get("/api/v1/analytics/sales?date_from=2026-11-01&date_to=2026-12-31&period=month"
                         "&compare=previous_year").json()  # fmt: skip
    assert [(row["period_start"], row["revenue"], row["previous_revenue"]) for row in rows] == [
        ("2026-11-01", "3036.00", "0.00"),
        ("2026-12-01", "100.00", "0.00"),
    ]


def test_vat_per_month_for_the_return(staff_api, shop):
    rows = staff_api.get("/api/v1/analytics/tax?date_from=2026-11-01&date_to=2026-12-31&period=month").json()
    assert rows == [
        {"period_start": "2026-11-01", "taxable_sales": "2900.00", "tax": "336.00", "orders": 4},
        {"period_start": "2026-12-01", "taxable_sales": "100.00", "tax": "0.00", "orders": 1},
    ]


def test_compare_adds_the_previous_range_and_the_change_in_percent(staff_api, shop):
    body = staff_api.get("/api/v1/analytics/dashboard?date_from=2026-12-01&date_to=2026-12-31"
                         "&compare=previous_period").json()  # fmt: skip
    assert body["revenue"] == "100.00"
    assert body["previous"]["revenue"] == "3036.00"  # 31 days before: 31 October to 30 November
    assert body["change_percent"]["revenue"] == "-96.7"  # (100 - 3036) / 3036
    assert body["change_percent"]["orders_count"] == "-75.0"


def test_the_default_range_is_the_last_30_days_ending_today(staff_api, db):
    order(paid_at=None, subtotal=D("10"))
    assert staff_api.get("/api/v1/analytics/orders").json()["total"] == 1
    assert len(staff_api.get("/api/v1/analytics/sales").json()) == 30


@pytest.mark.parametrize("report", ["dashboard?compare=previous_year", "orders?compare=previous_period",
                                    "sales?period=day&compare=previous_period", "tax?period=month"])  # fmt: skip
def test_query_count_does_not_grow_with_the_range(staff_api, shop, report):
    counts = []
    for dates in ("date_from=2026-11-30&date_to=2026-11-30", "date_from=2018-01-01&date_to=2026-12-31"):
        with CaptureQueriesContext(connection) as queries:
            assert staff_api.get(f"/api/v1/analytics/{report}&{dates}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 20, counts


def test_weekly_sales_start_on_monday_and_count_only_the_days_in_the_range(staff_api, shop):
    rows = staff_api.get(f"/api/v1/analytics/sales?{NOVEMBER}&period=week").json()
    assert [(row["period_start"], row["orders"], row["revenue"]) for row in rows] == [
        ("2026-10-26", 0, "0.00"),  # 1 November is a Sunday
        ("2026-11-02", 2, "2436.00"),  # 1160 + 1276
        ("2026-11-09", 1, "300.00"),  # 500 in cash, 200 refunded on Sunday the 15th
        ("2026-11-16", 1, "300.00"),
        ("2026-11-23", 0, "0.00"),
        ("2026-11-30", 0, "0.00"),  # 1 December's order is outside the range
    ]
