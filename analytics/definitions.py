"""
The money definitions of API.md ("Analytics"), written once and used by every report.

- Money counts on the day the payment succeeded, in the store's time zone: `Order.paid_at`, which
  `order_mark_paid` sets when a gateway confirms the payment and when staff record cash.
- An order is in the books when its payment went through: payment status paid, partially refunded
  or refunded (a refund is a return of its own, on its own day; the sale stays on the sale's day).
- gross sales = the goods at their line prices before the coupon, without tax: for each order
  `total + discount - shipping - tax`, which is `subtotal` when prices exclude tax and `subtotal - tax`
  when they include it (the whole VAT of a tax-inclusive order, shipping's share too, comes off
  the goods, so that total sales add up to what the customer paid, to the cent).
- discounts = `discount_total`; returns = refunds recorded on order books (`OrderRefund` with an
  order, not an extra payment given back), dated on the refund's day, negative.
- net sales = gross - discounts + returns; total sales = net + shipping + tax; `revenue` = total
  sales (already less refunds); average order value = net sales / paid orders.

Every sum is done by the database, grouped by store day/week/month/year (`Trunc` with the store's
tzinfo); nothing here loops over orders.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DateField, DecimalField, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Trunc

from analytics.params import DayRange
from orders.models import Order, OrderLine, OrderPaymentStatus, OrderRefund
from payments.models import Payment, PaymentStatus

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
# Payment statuses of an order whose money came in (a refund does not take the sale off its day).
PAID_STATES = (OrderPaymentStatus.PAID, OrderPaymentStatus.PARTIALLY_REFUNDED, OrderPaymentStatus.REFUNDED)
PERIODS = ("day", "week", "month", "year")


def store_tz() -> ZoneInfo:
    return ZoneInfo(settings.STORE_TIME_ZONE)


def paid_orders(*, days: DayRange) -> QuerySet[Order]:
    """Orders whose payment succeeded during `days` (store days)."""
    return Order.objects.filter(payment_status__in=PAID_STATES, paid_at__gte=days.start, paid_at__lt=days.end)


def order_refunds(*, days: DayRange) -> QuerySet[OrderRefund]:
    """Refunds recorded on order books during `days`, whatever became of the money since (the books stay)."""
    return OrderRefund.objects.filter(
        order__isnull=False, extra_payment=False, created_at__gte=days.start, created_at__lt=days.end
    )


def _sum(expression) -> Sum:
    return Sum(expression, output_field=MONEY_FIELD, default=ZERO)


ORDER_SUMS = {
    "orders": Count("id"),
    "gross_sales": _sum(F("total") + F("discount_total") - F("shipping_fee") - F("tax_total")),
    "discounts": _sum("discount_total"),
    "shipping": _sum("shipping_fee"),
    "tax": _sum("tax_total"),
}
REFUND_SUMS = {"refunded": _sum("amount")}


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


@dataclass(frozen=True)
class SalesFigures:
    """The definitions block of one range or period; money in Decimal with two places."""

    orders: int = 0
    gross_sales: Decimal = ZERO
    discounts: Decimal = ZERO
    returns: Decimal = ZERO  # negative: money given back
    shipping: Decimal = ZERO
    tax: Decimal = ZERO

    @classmethod
    def from_sums(cls, orders: dict | None, refunded: Decimal | None) -> "SalesFigures":
        orders = orders or {}
        return cls(
            orders=orders.get("orders", 0),
            gross_sales=_money(orders.get("gross_sales")),
            discounts=_money(orders.get("discounts")),
            returns=-_money(refunded),
            shipping=_money(orders.get("shipping")),
            tax=_money(orders.get("tax")),
        )

    @property
    def net_sales(self) -> Decimal:
        return self.gross_sales - self.discounts + self.returns

    @property
    def total_sales(self) -> Decimal:
        return self.net_sales + self.shipping + self.tax

    @property
    def revenue(self) -> Decimal:
        """What the dashboard has always shown: totals of paid orders less refunds (= total sales)."""
        return self.total_sales

    @property
    def average_order_value(self) -> Decimal:
        if not self.orders:
            return ZERO
        return (self.net_sales / self.orders).quantize(CENT, rounding=ROUND_HALF_UP)

    def definitions(self) -> dict[str, Decimal]:
        """The block `dashboard` and `orders` carry (API.md)."""
        return {
            "gross_sales": self.gross_sales,
            "discounts": self.discounts,
            "returns": self.returns,
            "net_sales": self.net_sales,
            "shipping": self.shipping,
            "tax": self.tax,
            "total_sales": self.total_sales,
        }


def sales_figures(*, days: DayRange) -> SalesFigures:
    """The definitions over `days`: two queries."""
    orders = paid_orders(days=days).aggregate(**ORDER_SUMS)
    refunded = order_refunds(days=days).aggregate(**REFUND_SUMS)["refunded"]
    return SalesFigures.from_sums(orders, refunded)


def _trunc(field: str, period: str) -> Trunc:
    return Trunc(field, period, output_field=DateField(), tzinfo=store_tz())


def period_start(day: date, period: str) -> date:
    """The first day of the `period` holding `day` (weeks start on Monday, as the database's do)."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "year":
        return day.replace(month=1, day=1)
    return day


def period_starts(*, days: DayRange, period: str) -> Iterator[date]:
    """Every period touching `days`, in order (a loop over periods, not orders)."""
    start = period_start(days.first, period)
    while start <= days.last:
        yield start
        if period == "day":
            start += timedelta(days=1)
        elif period == "week":
            start += timedelta(days=7)
        elif period == "month":
            start = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            start = start.replace(year=start.year + 1)


@dataclass(frozen=True)
class PeriodFigures:
    start: date
    figures: SalesFigures
    units: int


def sales_figures_by_period(*, days: DayRange, period: str) -> list[PeriodFigures]:
    """The definitions for every `period` of `days`, zeros where nothing happened: three queries."""
    assert period in PERIODS, f"period must be one of {PERIODS}, not {period!r}"
    orders = {
        row.pop("period"): row
        for row in paid_orders(days=days).annotate(period=_trunc("paid_at", period)).values("period")
        .annotate(**ORDER_SUMS).order_by()
    }  # fmt: skip
    refunds = {
        row["period"]: row["refunded"]
        for row in order_refunds(days=days).annotate(period=_trunc("created_at", period)).values("period")
        .annotate(**REFUND_SUMS).order_by()
    }  # fmt: skip
    units = {
        row["period"]: row["units"]
        for row in OrderLine.objects.filter(order__in=paid_orders(days=days))
        .annotate(period=_trunc("order__paid_at", period)).values("period")
        .annotate(units=Sum("quantity")).order_by()
    }  # fmt: skip
    return [
        PeriodFigures(
            start=start,
            figures=SalesFigures.from_sums(orders.get(start), refunds.get(start)),
            units=units.get(start) or 0,
        )
        for start in period_starts(days=days, period=period)
    ]


def tax_by_month(*, days: DayRange) -> list[dict]:
    """VAT on the orders paid in each month of `days`: taxable sales (total less tax), tax, orders. One query."""
    rows = {
        row.pop("period"): row
        for row in paid_orders(days=days).annotate(period=_trunc("paid_at", "month")).values("period")
        .annotate(orders=Count("id"), taxable_sales=_sum(F("total") - F("tax_total")), tax=_sum("tax_total"))
        .order_by()
    }  # fmt: skip
    return [
        {
            "period_start": start,
            "taxable_sales": _money(rows.get(start, {}).get("taxable_sales")),
            "tax": _money(rows.get(start, {}).get("tax")),
            "orders": rows.get(start, {}).get("orders", 0),
        }
        for start in period_starts(days=days, period="month")
    ]


# Per product and per category: the lines of the orders paid in the range, at their line prices as the
# customer saw them (before the order's coupon; refunds stay with the order, not a line).
LINE_SUMS = {"units": Sum("quantity", default=0), "revenue": _sum("line_total")}


def paid_lines(*, days: DayRange) -> QuerySet[OrderLine]:
    """The lines of the orders paid during `days`."""
    return OrderLine.objects.filter(order__in=paid_orders(days=days))


def sales_figures_by(*, days: DayRange, field: str) -> dict:
    """The definitions over `days` for each value of the order's `field` (a county, a method): two queries."""
    orders = {row.pop(field): row for row in paid_orders(days=days).values(field).annotate(**ORDER_SUMS).order_by()}
    refunds = dict(order_refunds(days=days).values_list(f"order__{field}").annotate(**REFUND_SUMS).order_by())
    return {key: SalesFigures.from_sums(orders.get(key), refunds.get(key)) for key in orders.keys() | refunds.keys()}


# A repair's money: its payments that succeeded (a refund later does not move them off their day), on the day
# they succeeded, less the refunds recorded on repairs in the range; payments on top (extra) are not revenue.
REPAIR_PAID_STATES = (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)


def repair_revenue(*, days: DayRange) -> Decimal:
    """Repair payments that succeeded during `days` less repair refunds recorded then: two queries."""
    paid = Payment.objects.filter(
        repair_id__isnull=False, extra=False, status__in=REPAIR_PAID_STATES,
        completed_at__gte=days.start, completed_at__lt=days.end,
    ).aggregate(paid=_sum("amount"))["paid"]  # fmt: skip
    refunded = OrderRefund.objects.filter(
        repair_id__isnull=False, extra_payment=False, created_at__gte=days.start, created_at__lt=days.end
    ).aggregate(**REFUND_SUMS)["refunded"]
    return _money(paid) - _money(refunded)


def cohort_activity(*, days: DayRange) -> dict[tuple[date, date], int]:
    """
    Customers (accounts) by the month of their first paid order ever (their cohort) and each month they had
    an order paid, up to the end of `days`, for the cohorts starting in `days`: {(cohort, month): customers}.
    One query.
    """
    first = (
        Order.objects.filter(user=OuterRef("user"), payment_status__in=PAID_STATES)
        .order_by("paid_at").annotate(month=_trunc("paid_at", "month")).values("month")[:1]
    )  # fmt: skip
    start = period_start(days.first, "month")
    rows = (
        Order.objects.filter(payment_status__in=PAID_STATES, user__isnull=False, paid_at__lt=days.end)
        .annotate(cohort=Cast(Subquery(first), DateField()), month=_trunc("paid_at", "month"))
        .filter(cohort__gte=start, cohort__lte=days.last)
        .values("cohort", "month").annotate(customers=Count("user", distinct=True)).order_by()
    )  # fmt: skip
    return {(row["cohort"], row["month"]): row["customers"] for row in rows}
