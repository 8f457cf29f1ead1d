"""
The exactness proof: random shops (both tax modes, coupons, shipping, cash, partial refunds on later
days, payments around Nairobi's midnight) whose figures, computed a second way in plain Python from
the orders themselves, equal the reports' to the cent.
"""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.definitions import sales_figures, sales_figures_by_period, tax_by_month
from analytics.params import DayRange
from analytics.tests.shop import CENT, NAIROBI, nairobi, order, refund

FIRST = date(2026, 9, 1)
DAYS = DayRange(first=FIRST, last=date(2026, 11, 30))

cents = st.integers(min_value=1, max_value=5_000_000).map(lambda n: Decimal(n) / 100)
orders = st.fixed_dictionaries({
    "day": st.integers(min_value=-2, max_value=92),  # a few outside the range on either side
    "time": st.sampled_from([(0, 0), (0, 30), (9, 15), (20, 59), (21, 0), (23, 30), (23, 59)]),
    "subtotal": cents,
    "discount_share": st.sampled_from([0, 0, Decimal("0.1"), Decimal("0.5")]),
    "shipping": st.sampled_from([Decimal("0"), Decimal("200"), Decimal("349.50")]),
    "rate": st.sampled_from([Decimal("0"), Decimal("16")]),
    "inclusive": st.booleans(),
    "cash": st.booleans(),
    "paid": st.booleans(),
    "units": st.integers(min_value=1, max_value=4),
    "refund_share": st.sampled_from([None, None, Decimal("0.25"), Decimal("1")]),
    "refund_after": st.integers(min_value=0, max_value=45),
})  # fmt: skip


def _store_day(instant) -> date:
    return instant.astimezone(NAIROBI).date()


def _month(day: date) -> date:
    return day.replace(day=1)


def _expected(made, refunds):
    """Per store day, the figures recomputed from the rows: sums in Python, nothing from analytics."""
    days = defaultdict(lambda: defaultdict(Decimal))
    for o in made:
        if o.paid_at is None:
            continue
        row = days[_store_day(o.paid_at)]
        goods = o.subtotal - o.tax_total if o.prices_include_tax else o.subtotal
        row["orders"] += 1
        row["units"] += o.units
        row["gross_sales"] += goods
        row["discounts"] += o.discount_total
        row["shipping"] += o.shipping_fee
        row["tax"] += o.tax_total
        row["paid_totals"] += o.total
    for amount, at in refunds:
        days[_store_day(at)]["refunded"] += amount
    return days


def _add(rows, keep) -> dict:
    total = defaultdict(Decimal)
    for day, row in rows.items():
        if keep(day):
            for key, value in row.items():
                total[key] += value
    return total


def _check(figures, expected, units=None):
    assert figures.orders == expected["orders"]
    assert figures.gross_sales == expected["gross_sales"].quantize(CENT)
    assert figures.discounts == expected["discounts"].quantize(CENT)
    assert figures.returns == -expected["refunded"].quantize(CENT)
    assert figures.shipping == expected["shipping"].quantize(CENT)
    assert figures.tax == expected["tax"].quantize(CENT)
    assert figures.net_sales == expected["gross_sales"] - expected["discounts"] - expected["refunded"]
    assert figures.revenue == figures.total_sales == expected["paid_totals"] - expected["refunded"]
    if units is not None:
        assert units == expected["units"]


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shop=st.lists(orders, min_size=1, max_size=8))
def test_every_figure_equals_a_recomputation_to_the_cent(shop):
    with transaction.atomic():
        made, refunds = [], []
        for spec in shop:
            day = FIRST + timedelta(days=spec["day"])
            paid_at = nairobi(day.year, day.month, day.day, *spec["time"]) if spec["paid"] else None
            subtotal = spec["subtotal"]
            discount = (subtotal * spec["discount_share"]).quantize(CENT)
            o = order(paid_at=paid_at, cash=spec["cash"], units=spec["units"], subtotal=subtotal, discount=discount,
                      shipping=spec["shipping"], rate=spec["rate"], inclusive=spec["inclusive"])  # fmt: skip
            o.units = spec["units"]
            made.append(o)
            if paid_at is not None and spec["refund_share"] is not None:
                amount = max(CENT, (o.total * spec["refund_share"]).quantize(CENT))
                at = paid_at + timedelta(days=spec["refund_after"])
                refund(o, amount, at)
                refunds.append((amount, at))
        expected = _expected(made, refunds)

        _check(sales_figures(days=DAYS), _add(expected, lambda d: DAYS.first <= d <= DAYS.last))
        for row in sales_figures_by_period(days=DAYS, period="day"):
            _check(row.figures, _add(expected, lambda d, start=row.start: d == start), row.units)
        for row in sales_figures_by_period(days=DAYS, period="month"):
            month = _add(expected, lambda d, start=row.start: _month(d) == start and DAYS.first <= d <= DAYS.last)
            _check(row.figures, month, row.units)
        for row in tax_by_month(days=DAYS):
            month = _add(expected, lambda d, start=row["period_start"]: _month(d) == start)
            assert row["orders"] == month["orders"]
            assert row["tax"] == month["tax"].quantize(CENT)
            assert row["taxable_sales"] == (month["paid_totals"] - month["tax"]).quantize(CENT)
        transaction.set_rollback(True)
