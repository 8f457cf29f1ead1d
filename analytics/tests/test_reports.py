"""The reports beyond the books (products, categories, ...) on a small shop built by hand."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.tests.shop import nairobi, order, refund
from catalog.tests.factories import ProductFactory, VariantFactory, make_category
from orders.models import Order, OrderRefund
from orders.tests.factories import OrderFactory, OrderLineFactory
from payments.models import Payment
from repairs.models import RepairRequest, RepairStatusEvent
from repairs.tests.factories import repair_factory

NOVEMBER = "date_from=2026-11-01&date_to=2026-11-30"


def lines(made, *items):
    """Replace `made`'s line with `items`: (variant, quantity, unit price)."""
    made.lines.all().delete()
    for variant, quantity, price in items:
        OrderLineFactory(order=made, variant=variant, quantity=quantity, unit_price=price)
    return made


@pytest.fixture
def catalog(db):
    phones, covers = make_category("Phones"), make_category("Covers")
    phone = VariantFactory(product=ProductFactory(name="Tecno Spark", category=phones), price=D("15000"))
    case = VariantFactory(product=ProductFactory(name="Spark case", category=covers), price=D("500"))
    cable = VariantFactory(product=ProductFactory(name="USB-C cable", category=covers), price=D("300"))
    return {"phone": phone, "case": case, "cable": cable, "phones": phones, "covers": covers}


@pytest.fixture
def sold(catalog):
    c = catalog
    # 3 November: a phone and 2 cases.
    lines(order(paid_at=nairobi(2026, 11, 3, 10), subtotal=D("16000")), (c["phone"], 1, D("15000")),
          (c["case"], 2, D("500")))  # fmt: skip
    # 20 November 23:30 Nairobi: 5 cables, November's.
    lines(order(paid_at=nairobi(2026, 11, 20, 23, 30), subtotal=D("1500")), (c["cable"], 5, D("300")))
    # 1 December 00:30 Nairobi: December's, not November's.
    lines(order(paid_at=nairobi(2026, 12, 1, 0, 30), subtotal=D("15000")), (c["phone"], 1, D("15000")))
    # October: 1 case, for the comparison.
    lines(order(paid_at=nairobi(2026, 10, 10, 12), subtotal=D("500")), (c["case"], 1, D("500")))
    # Never paid: not sold.
    lines(order(paid_at=None, subtotal=D("9000")), (c["cable"], 30, D("300")))
    return c


def test_top_products_by_revenue_and_by_units(staff_api, sold):
    by_revenue = staff_api.get(f"/api/v1/analytics/products/top?{NOVEMBER}").json()
    assert [(row["name"], row["units"], row["revenue"]) for row in by_revenue] == [
        ("Tecno Spark", 1, "15000.00"),
        ("USB-C cable", 5, "1500.00"),
        ("Spark case", 2, "1000.00"),
    ]
    assert by_revenue[0]["product_id"] == sold["phone"].product_id
    by_units = staff_api.get(f"/api/v1/analytics/products/top?{NOVEMBER}&by=units&limit=2").json()
    assert [(row["name"], row["units"]) for row in by_units] == [("USB-C cable", 5), ("Spark case", 2)]


def test_top_products_compared_with_the_previous_period(staff_api, sold):
    rows = staff_api.get(f"/api/v1/analytics/products/top?{NOVEMBER}&compare=previous_period").json()
    case = next(row for row in rows if row["name"] == "Spark case")
    assert (case["previous_units"], case["previous_revenue"]) == (1, "500.00")
    phone = next(row for row in rows if row["name"] == "Tecno Spark")
    assert (phone["previous_units"], phone["previous_revenue"]) == (0, "0.00")


def test_top_categories_sum_their_products(staff_api, sold):
    rows = staff_api.get(f"/api/v1/analytics/categories/top?{NOVEMBER}").json()
    assert [(row["category_id"], row["name"], row["units"], row["revenue"]) for row in rows] == [
        (sold["phones"].pk, "Phones", 1, "15000.00"),
        (sold["covers"].pk, "Covers", 7, "2500.00"),  # 2 cases (1000) + 5 cables (1500)
    ]
    by_units = staff_api.get(f"/api/v1/analytics/categories/top?{NOVEMBER}&by=units&compare=previous_period").json()
    assert [(row["name"], row["units"], row["previous_units"]) for row in by_units] == [
        ("Covers", 7, 1),
        ("Phones", 1, 0),
    ]


def in_county(made, county):
    Order.objects.filter(pk=made.pk).update(shipping_county=county)
    return made


def test_regions_by_the_shipping_county_with_refunds_on_their_day(staff_api, db):
    nairobi_order = in_county(order(paid_at=nairobi(2026, 11, 3, 10), subtotal=D("1160"), rate=D("16")), "Nairobi")
    in_county(order(paid_at=nairobi(2026, 11, 4, 10), subtotal=D("300")), "Nairobi")
    in_county(order(paid_at=nairobi(2026, 11, 20, 23, 30), subtotal=D("2000")), "Mombasa")
    in_county(order(paid_at=nairobi(2026, 12, 1, 0, 30), subtotal=D("5000")), "Kisumu")  # December's
    in_county(order(paid_at=nairobi(2026, 10, 9, 9), subtotal=D("700")), "Kisumu")  # October's
    in_county(order(paid_at=None, subtotal=D("9999")), "Nakuru")  # never paid
    refund(nairobi_order, D("160.00"), nairobi(2026, 11, 15, 12))
    rows = staff_api.get(f"/api/v1/analytics/regions?{NOVEMBER}&compare=previous_period").json()
    assert [(row["county"], row["orders"], row["revenue"], row["previous_revenue"]) for row in rows] == [
        ("Mombasa", 1, "2000.00", "0.00"),
        ("Nairobi", 2, "1300.00", "0.00"),  # 1160 + 300 - 160
    ]


def attempt(method, status, at, code=""):
    gateway = {"mpesa": "mpesa", "card": "stripe", "cod": "cash"}[method]
    row = Payment.objects.create(order=OrderFactory(), method=method, gateway=gateway, amount=D("100"),
                                 currency="KES", status=status, result_code=code)  # fmt: skip
    Payment.objects.filter(pk=row.pk).update(created_at=at)


def test_payments_by_method_outcome_and_mpesa_failure_code(staff_api, db):
    attempt("mpesa", "succeeded", nairobi(2026, 11, 2, 9), "0")
    attempt("mpesa", "failed", nairobi(2026, 11, 2, 9, 5), "1032")  # cancelled by the customer
    attempt("mpesa", "failed", nairobi(2026, 11, 3, 9), "1032")
    attempt("mpesa", "cancelled", nairobi(2026, 11, 4, 9), "1037")  # the phone did not answer
    attempt("card", "refunded", nairobi(2026, 11, 20, 23, 30))
    attempt("cod", "pending", nairobi(2026, 11, 21, 9))
    attempt("card", "failed", nairobi(2026, 11, 22, 9), "card_declined")  # not M-Pesa: not in the reasons
    attempt("mpesa", "failed", nairobi(2026, 12, 1, 0, 30), "1")  # December's
    attempt("mpesa", "succeeded", nairobi(2026, 10, 5, 9), "0")  # October's
    body = staff_api.get(f"/api/v1/analytics/payments?{NOVEMBER}&compare=previous_period").json()
    assert body["attempts"] == 7 and body["succeeded"] == 2 and body["success_rate"] == "28.6"  # 2 / 7
    assert body["by_method"] == {"mpesa": 4, "card": 2, "cod": 1}
    assert body["by_outcome"] == {"pending": 1, "succeeded": 1, "failed": 3, "cancelled": 1, "refunded": 1}
    assert body["mpesa_failure_reasons"] == {"1032": 2, "1037": 1}
    assert body["previous"]["attempts"] == 1 and body["change_percent"]["attempts"] == "600.0"


def repair(status, received, ready=None, promised_by=None):
    made = repair_factory(status=status, history=False, promised_by=promised_by)
    RepairRequest.objects.filter(pk=made.pk).update(created_at=received)
    event = RepairStatusEvent.objects.create(repair=made, from_status="", status="received")
    RepairStatusEvent.objects.filter(pk=event.pk).update(at=received)
    if ready:
        event = RepairStatusEvent.objects.create(repair=made, from_status="in_repair", status="ready_for_pickup")
        RepairStatusEvent.objects.filter(pk=event.pk).update(at=ready)
    return made


def repair_payment(made, amount, at, status="succeeded", extra=False):
    Payment.objects.create(repair_id=made.pk, method="mpesa", gateway="mpesa", amount=amount, currency="KES",
                           status=status, completed_at=at, extra=extra)  # fmt: skip


def test_repairs_by_status_turnaround_revenue_and_overdue(staff_api, db):
    from datetime import date

    a = repair("completed", nairobi(2026, 11, 2, 9), ready=nairobi(2026, 11, 3, 15))  # 30 hours
    b = repair("ready_for_pickup", nairobi(2026, 11, 10, 8), ready=nairobi(2026, 11, 10, 18))  # 10 hours
    repair("in_repair", nairobi(2026, 11, 20, 23, 30), promised_by=date(2026, 11, 25))  # overdue now
    repair("received", nairobi(2026, 12, 1, 0, 30), promised_by=date(2099, 1, 1))  # December's; not overdue
    repair("cancelled", nairobi(2026, 10, 1, 9), promised_by=date(2026, 10, 2))  # closed: not overdue
    repair_payment(a, D("2500.00"), nairobi(2026, 11, 3, 16))
    repair_payment(
        b, D("1000.00"), nairobi(2026, 11, 30, 23, 59), status="refunded"
    )  # refunded later: the refund counts on its day
    repair_payment(b, D("99.00"), nairobi(2026, 11, 11, 9), status="failed")  # never paid
    repair_payment(b, D("500.00"), nairobi(2026, 11, 12, 9), extra=True)  # on top: given back, not revenue
    OrderRefund.objects.create(repair_id=a.pk, amount=D("300.00"), reason="part unused")  # today: not November
    body = staff_api.get(f"/api/v1/analytics/repairs?{NOVEMBER}").json()
    assert body["received"] == 3
    assert (body["by_status"]["completed"], body["by_status"]["ready_for_pickup"], body["by_status"]["in_repair"]) == (
        1, 1, 1)  # fmt: skip
    assert body["ready"] == 2 and body["average_turnaround_hours"] == "20.0"  # (30 + 10) / 2
    assert body["revenue"] == "3500.00"  # 2500 + 1000
    assert body["overdue"] == 1


def test_customers_new_returning_repeat_and_top(staff_api, db):
    from accounts.tests.factories import UserFactory

    wanjiku, otieno, amina = (UserFactory(email=f"{name}@example.com") for name in ("wanjiku", "otieno", "amina"))
    order(paid_at=nairobi(2026, 10, 5, 9), user=wanjiku, subtotal=D("100"))  # before November: she returns
    order(paid_at=nairobi(2026, 11, 3, 9), user=wanjiku, subtotal=D("400"))
    order(paid_at=nairobi(2026, 11, 4, 9), user=otieno, subtotal=D("1000"))
    order(paid_at=nairobi(2026, 11, 20, 23, 30), user=otieno, subtotal=D("500"))  # his second: a repeat
    order(paid_at=nairobi(2026, 12, 1, 0, 30), user=amina, subtotal=D("9000"))  # December's
    order(paid_at=None, user=amina, subtotal=D("9000"))  # never paid
    body = staff_api.get(f"/api/v1/analytics/customers?{NOVEMBER}&compare=previous_period").json()
    assert (body["total"], body["new"], body["returning"], body["repeat_rate"]) == (2, 1, 1, "100.0")
    assert [(row["email"], row["orders"], row["spent"]) for row in body["top"]] == [
        ("otieno@example.com", 2, "1500.00"),
        ("wanjiku@example.com", 1, "400.00"),
    ]
    assert body["previous"]["total"] == 1 and body["previous"]["new"] == 1
    assert body["change_percent"]["total"] == "100.0"


def test_inventory_low_stock_value_and_movements(staff_api, catalog):
    from catalog.models import ProductVariant, StockMovement

    # Phone: 10 on hand at 15000, 8 reserved: 2 available, under its reorder point of 5.
    ProductVariant.objects.filter(pk=catalog["phone"].pk).update(stock_quantity=10, reserved_quantity=8)
    # Case: 10 at 500, none reserved: fine. Cable: 10 at 300, switched off: neither low nor counted.
    ProductVariant.objects.filter(pk=catalog["cable"].pk).update(is_active=False, stock_quantity=1)
    for reason, delta, at in [
        ("restock", 20, nairobi(2026, 11, 2, 9)),
        ("sale", -3, nairobi(2026, 11, 20, 23, 30)),
        ("sale", -1, nairobi(2026, 11, 21, 9)),
        ("damage", -1, nairobi(2026, 12, 1, 0, 30)),
    ]:
        StockMovement.objects.create(variant=catalog["case"], reason=reason, delta=delta, created_at=at)
    body = staff_api.get(f"/api/v1/analytics/inventory?{NOVEMBER}").json()
    assert body["low_stock_count"] == 1
    assert [(row["sku"], row["available"]) for row in body["low_stock"]] == [(catalog["phone"].sku, 2)]
    assert (body["stock_units"], body["stock_value"]) == (20, "155000.00")  # 10 x 15000 + 10 x 500
    assert body["movements"] == 3
    assert (body["movements_by_reason"]["sale"], body["units_by_reason"]["sale"]) == (2, -4)
    assert body["movements_by_reason"]["damage"] == 0  # December's


def test_carts_active_and_abandoned_with_their_value(staff_api, catalog):
    from datetime import timedelta

    from django.utils import timezone

    from cart.models import Cart, CartItem

    now = timezone.now()

    def cart(idle_hours, *items):
        made = Cart.objects.create()
        for variant, quantity in items:
            CartItem.objects.create(cart=made, variant=variant, quantity=quantity, price_when_added=D("1"))
        CartItem.objects.filter(cart=made).update(updated_at=now - timedelta(hours=idle_hours))
        Cart.objects.filter(pk=made.pk).update(updated_at=now - timedelta(hours=idle_hours))

    cart(1, (catalog["phone"], 1))  # active
    cart(23, (catalog["case"], 2))  # active
    cart(25, (catalog["case"], 2), (catalog["cable"], 1))  # abandoned: 2 x 500 + 300
    cart(24 * 10, (catalog["phone"], 1))  # abandoned 10 days ago: 15000
    cart(24 * 45, (catalog["phone"], 1))  # abandoned 45 days ago: the 30 days before the last 30
    cart(48)  # empty: neither
    body = staff_api.get("/api/v1/analytics/carts?compare=previous_period").json()
    assert (body["active"], body["abandoned"], body["abandoned_value"]) == (2, 2, "16300.00")
    assert body["previous"]["abandoned"] == 1 and body["previous"]["abandoned_value"] == "15000.00"


def test_cohorts_share_of_each_months_new_customers_buying_again(staff_api, db):
    from accounts.tests.factories import UserFactory

    a, b, c, d, e = (UserFactory() for _ in range(5))
    order(paid_at=nairobi(2026, 8, 31, 23, 30), user=a, subtotal=D("1"))  # August's (20:30 UTC): before the range
    order(paid_at=nairobi(2026, 9, 3, 9), user=a, subtotal=D("1"))
    order(paid_at=nairobi(2026, 9, 1, 0, 30), user=b, subtotal=D("1"))  # 31 August UTC, September in Nairobi
    order(paid_at=nairobi(2026, 9, 9, 9), user=c, subtotal=D("1"))
    order(paid_at=nairobi(2026, 10, 9, 9), user=b, subtotal=D("1"))  # b again in October
    order(paid_at=nairobi(2026, 11, 9, 9), user=b, subtotal=D("1"))  # and November
    order(paid_at=nairobi(2026, 11, 10, 9), user=c, subtotal=D("1"))  # c in November
    order(paid_at=nairobi(2026, 10, 2, 9), user=d, subtotal=D("1"))  # October's cohort
    order(paid_at=nairobi(2026, 12, 1, 0, 30), user=d, subtotal=D("1"))  # December: after date_to
    order(paid_at=None, user=e, subtotal=D("1"))  # never paid
    rows = staff_api.get("/api/v1/analytics/customers/cohorts?date_from=2026-09-01&date_to=2026-11-30").json()
    assert rows == [
        {"cohort": "2026-09", "customers": 2, "returning": ["50.0", "100.0"]},  # b, c; b in Oct; b and c in Nov
        {"cohort": "2026-10", "customers": 1, "returning": ["0.0"]},
        {"cohort": "2026-11", "customers": 0, "returning": []},
    ]


@pytest.mark.parametrize("query", ["by=price", "limit=0", "limit=101"])
def test_top_rejects_bad_parameters(staff_api, db, query):
    response = staff_api.get(f"/api/v1/analytics/products/top?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == query.split("=")[0]


@pytest.mark.parametrize(
    "report",
    [
        "products/top?compare=previous_year",
        "categories/top?by=units&compare=previous_period",
        "regions?compare=previous_year",
    ],
)
def test_query_count_does_not_grow_with_the_range(staff_api, sold, report):
    counts = []
    # 3 November has sales (an empty top list skips the comparison query: fewer, never more).
    for dates in ("date_from=2026-11-03&date_to=2026-11-03", "date_from=2018-01-01&date_to=2026-12-31"):
        with CaptureQueriesContext(connection) as queries:
            assert staff_api.get(f"/api/v1/analytics/{report}&{dates}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 20, counts
