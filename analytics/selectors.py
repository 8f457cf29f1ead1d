"""The reports: read-only, built on `analytics.definitions`, a fixed number of queries whatever the range."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import Role, User
from analytics.definitions import (
    LINE_SUMS,
    MONEY_FIELD,
    PAID_STATES,
    _sum,
    cohort_activity,
    paid_lines,
    paid_orders,
    period_starts,
    repair_revenue,
    sales_figures,
    sales_figures_by,
    sales_figures_by_period,
    tax_by_month,
)
from analytics.params import DayRange, ReportParams
from cart.models import Cart, CartItem
from catalog.models import MovementReason, ProductVariant, StockMovement
from core.dates import store_today
from core.models import PaymentMethod
from orders.models import Order, OrderStatus
from payments.models import Payment, PaymentStatus
from repairs.models import RepairRequest, RepairStatus, RepairStatusEvent

CLOSED_REPAIRS = (RepairStatus.COMPLETED, RepairStatus.CANCELLED)


def change_percent(current, previous) -> Decimal | None:
    """How much `current` moved against `previous`, in percent with one place; None when previous is 0."""
    if not previous:
        return None
    return (Decimal(current - previous) * 100 / abs(Decimal(previous))).quantize(Decimal("0.1"), ROUND_HALF_UP)


def with_comparison(current: dict, previous: dict | None) -> dict:
    """`current` plus, when compared, `previous` and `change_percent` of every number in it."""
    if previous is None:
        return current
    changes = {
        key: change_percent(value, previous[key])
        for key, value in current.items()
        if isinstance(value, int | Decimal) and not isinstance(value, bool)
    }
    return {**current, "previous": previous, "change_percent": changes}


def _dashboard_range(days: DayRange) -> dict:
    figures = sales_figures(days=days)
    customers = paid_orders(days=days).aggregate(n=Count("user", distinct=True))["n"]
    new_customers = User.objects.filter(
        role=Role.CUSTOMER, date_joined__gte=days.start, date_joined__lt=days.end
    ).count()
    return {
        "revenue": figures.revenue,
        "orders_count": figures.orders,
        "average_order_value": figures.average_order_value,
        "customers_count": customers,
        "new_customers": new_customers,
        **figures.definitions(),
    }


def low_stock_variants():
    """Variants on sale whose units available (on hand less reserved) are at or below their reorder point now."""
    return ProductVariant.objects.filter(
        is_active=True, product__is_active=True, stock_quantity__lte=F("reserved_quantity") + F("reorder_point")
    )


def dashboard(*, params: ReportParams) -> dict:
    """API.md's `dashboard`: the range's figures, today's, and what waits now (pending, low stock, repairs)."""
    today = sales_figures(days=DayRange(first=store_today(), last=store_today()))
    now = {
        "pending_orders": Order.objects.filter(status=OrderStatus.PENDING).count(),
        "low_stock_count": low_stock_variants().count(),
        "open_repairs": RepairRequest.objects.exclude(status__in=CLOSED_REPAIRS).count(),
        "revenue_today": today.revenue,
        "orders_today": today.orders,
    }
    current = {**_dashboard_range(params.range), **now}
    previous = {**_dashboard_range(params.previous), **now} if params.previous else None
    return with_comparison(current, previous)


def _orders_range(days: DayRange) -> dict:
    figures = sales_figures(days=days)
    placed = Order.objects.filter(created_at__gte=days.start, created_at__lt=days.end)
    by_status = dict.fromkeys(OrderStatus.values, 0)
    by_status.update(placed.values_list("status").annotate(n=Count("id")).order_by())
    by_method = dict(placed.values_list("payment_method").annotate(n=Count("id")).order_by())
    return {
        "total": sum(by_status.values()),
        "revenue": figures.revenue,
        "orders_paid": figures.orders,
        "average_order_value": figures.average_order_value,
        **figures.definitions(),
        "by_status": by_status,
        "by_payment_method": by_method,
    }


def orders(*, params: ReportParams) -> dict:
    """API.md's `orders`: orders placed in the range by status and method; money by the payment's day."""
    current = _orders_range(params.range)
    previous = _orders_range(params.previous) if params.previous else None
    return with_comparison(current, previous)


def sales(*, params: ReportParams, period: str) -> list[dict]:
    """API.md's `sales`: a row for every period of the range; with compare, the other range's period beside it."""
    rows = [
        {"period_start": row.start, "orders": row.figures.orders, "units": row.units, "revenue": row.figures.revenue,
         "net_sales": row.figures.net_sales}
        for row in sales_figures_by_period(days=params.range, period=period)
    ]  # fmt: skip
    if params.previous:
        earlier = sales_figures_by_period(days=params.previous, period=period)
        for index, row in enumerate(rows):
            other = earlier[index] if index < len(earlier) else None
            row["previous_revenue"] = other.figures.revenue if other else Decimal("0.00")
            row["previous_orders"] = other.figures.orders if other else 0
    return rows


def tax(*, params: ReportParams) -> list[dict]:
    """API.md's `tax?period=month`: VAT on the orders paid in each month."""
    return tax_by_month(days=params.range)


def _top(*, params: ReportParams, key: str, name: str, by: str, limit: int) -> list[dict]:
    """Lines grouped by `key` (with its `name`), largest `by` first; with compare, the same keys' other range."""
    rows = [
        {"id": row[key], "name": row[name], "units": row["units"], "revenue": row["revenue"]}
        for row in paid_lines(days=params.range).values(key, name).annotate(**LINE_SUMS)
        .order_by(f"-{by}", key)[:limit]
    ]  # fmt: skip
    if params.previous:
        earlier = {
            row[key]: row
            for row in paid_lines(days=params.previous).filter(**{f"{key}__in": [row["id"] for row in rows]})
            .values(key).annotate(**LINE_SUMS).order_by()
        }  # fmt: skip
        for row in rows:
            other = earlier.get(row["id"], {})
            row["previous_units"] = other.get("units", 0)
            row["previous_revenue"] = other.get("revenue", Decimal("0.00"))
    return rows


def top_products(*, params: ReportParams, by: str, limit: int) -> list[dict]:
    """API.md's `products/top`: products by line revenue or units sold on orders paid in the range."""
    rows = _top(params=params, key="product_id", name="product__name", by=by, limit=limit)
    return [{"product_id": row.pop("id"), **row} for row in rows]


def top_categories(*, params: ReportParams, by: str, limit: int) -> list[dict]:
    """API.md's `categories/top`: the products' own categories (not rolled up the tree), as `products/top`."""
    rows = _top(params=params, key="product__category_id", name="product__category__name", by=by, limit=limit)
    return [{"category_id": row.pop("id"), **row} for row in rows]


def regions(*, params: ReportParams) -> list[dict]:
    """API.md's `regions`: paid orders and revenue by the shipping address's county, largest revenue first."""
    current = sales_figures_by(days=params.range, field="shipping_county")
    rows = [
        {"county": county, "orders": figures.orders, "revenue": figures.revenue}
        for county, figures in sorted(current.items(), key=lambda item: (-item[1].revenue, item[0]))
    ]
    if params.previous:
        earlier = sales_figures_by(days=params.previous, field="shipping_county")
        for row in rows:
            other = earlier.get(row["county"])
            row["previous_orders"] = other.orders if other else 0
            row["previous_revenue"] = other.revenue if other else Decimal("0.00")
    return rows


def _payments_range(days: DayRange) -> dict:
    attempts = Payment.objects.filter(created_at__gte=days.start, created_at__lt=days.end)
    by_method = dict.fromkeys(PaymentMethod.values, 0)
    by_method.update(attempts.values_list("method").annotate(n=Count("id")).order_by())
    by_outcome = dict.fromkeys(PaymentStatus.values, 0)
    by_outcome.update(attempts.values_list("status").annotate(n=Count("id")).order_by())
    failures = attempts.filter(method=PaymentMethod.MPESA, status__in=(PaymentStatus.FAILED, PaymentStatus.CANCELLED))
    reasons = dict(failures.values_list("result_code").annotate(n=Count("id")).order_by("-n", "result_code"))
    total = sum(by_outcome.values())
    succeeded = by_outcome[PaymentStatus.SUCCEEDED] + by_outcome[PaymentStatus.REFUNDED]
    return {
        "attempts": total,
        "succeeded": succeeded,
        "success_rate": (Decimal(succeeded * 100) / total).quantize(Decimal("0.1"), ROUND_HALF_UP) if total else None,
        "by_method": by_method,
        "by_outcome": by_outcome,
        "mpesa_failure_reasons": {code or "unknown": n for code, n in reasons.items()},
    }


def payments(*, params: ReportParams) -> dict:
    """API.md's `payments`: payment attempts started in the range, by method and outcome; M-Pesa failures by code."""
    current = _payments_range(params.range)
    previous = _payments_range(params.previous) if params.previous else None
    return with_comparison(current, previous)


def _first_event_at(status: str) -> Subquery:
    events = RepairStatusEvent.objects.filter(repair=OuterRef("pk"), status=status).order_by("at", "pk")
    return Subquery(events.values("at")[:1])


def _repairs_range(days: DayRange) -> dict:
    received = RepairRequest.objects.filter(created_at__gte=days.start, created_at__lt=days.end)
    by_status = dict.fromkeys(RepairStatus.values, 0)
    by_status.update(received.values_list("status").annotate(n=Count("id")).order_by())
    # Turnaround of the repairs first ready in the range: from their `received` event to their first `ready`.
    turnaround = (
        RepairRequest.objects.annotate(
            received_at=_first_event_at(RepairStatus.RECEIVED), ready_at=_first_event_at(RepairStatus.READY_FOR_PICKUP)
        )
        .filter(ready_at__gte=days.start, ready_at__lt=days.end, received_at__isnull=False)
        .aggregate(
            average=Avg(ExpressionWrapper(F("ready_at") - F("received_at"), output_field=DurationField())),
            ready=Count("id"),
        )
    )
    average = turnaround["average"]
    hours = (Decimal(average.total_seconds()) / 3600).quantize(Decimal("0.1"), ROUND_HALF_UP) if average else None
    return {
        "received": sum(by_status.values()),
        "by_status": by_status,
        "ready": turnaround["ready"],
        "average_turnaround_hours": hours,
        "revenue": repair_revenue(days=days),
        "overdue": RepairRequest.objects.exclude(status__in=(*CLOSED_REPAIRS, RepairStatus.READY_FOR_PICKUP))
        .filter(promised_by__lt=store_today()).count(),
    }  # fmt: skip


def repairs(*, params: ReportParams) -> dict:
    """API.md's `repairs`: received in the range by status, turnaround to ready, revenue; overdue now."""
    current = _repairs_range(params.range)
    previous = _repairs_range(params.previous) if params.previous else None
    return with_comparison(current, previous)


def _customers_range(days: DayRange, limit: int) -> dict:
    in_range = paid_orders(days=days).filter(user__isnull=False)
    # Each of the range's customers: their first paid order ever and their paid orders up to the range's end.
    ever = Order.objects.filter(user=OuterRef("pk"), payment_status__in=PAID_STATES, paid_at__lt=days.end)
    first = Subquery(ever.values("user").annotate(first=Min("paid_at")).values("first")[:1])
    count = Subquery(ever.values("user").annotate(n=Count("id")).values("n")[:1], output_field=IntegerField())
    figures = (
        User.objects.filter(pk__in=in_range.values("user"))
        .annotate(first_paid=first, paid_count=count)
        .aggregate(total=Count("id"), new=Count("id", filter=Q(first_paid__gte=days.start)),
                   repeat=Count("id", filter=Q(paid_count__gte=2)))
    )  # fmt: skip
    total = figures["total"]
    top = [
        {"user_id": row["user"], "email": row["user__email"], "orders": row["orders"], "spent": row["spent"]}
        for row in in_range.values("user", "user__email").annotate(orders=Count("id"), spent=_sum("total"))
        .order_by("-spent", "user")[:limit]
    ]  # fmt: skip
    return {
        "total": total,
        "new": figures["new"],
        "returning": total - figures["new"],
        "repeat_rate": (Decimal(figures["repeat"] * 100) / total).quantize(Decimal("0.1"), ROUND_HALF_UP)
        if total else None,
        "top": top,
    }  # fmt: skip


def customers(*, params: ReportParams, limit: int = 10) -> dict:
    """API.md's `customers`: account holders with an order paid in the range, new or returning, and the top ones."""
    current = _customers_range(params.range, limit)
    previous = _customers_range(params.previous, limit) if params.previous else None
    return with_comparison(current, previous)


def _movements_range(days: DayRange) -> dict:
    moved = StockMovement.objects.filter(created_at__gte=days.start, created_at__lt=days.end)
    counts, units = dict.fromkeys(MovementReason.values, 0), dict.fromkeys(MovementReason.values, 0)
    for reason, n, delta in moved.values_list("reason").annotate(n=Count("id"), d=Sum("delta")).order_by():
        counts[reason], units[reason] = n, delta or 0
    return {"movements": sum(counts.values()), "movements_by_reason": counts, "units_by_reason": units}


def inventory(*, params: ReportParams, limit: int = 50) -> dict:
    """API.md's `inventory`: low stock and stock value now; stock movements in the range by reason."""
    on_sale = ProductVariant.objects.filter(is_active=True, product__is_active=True)
    value = on_sale.aggregate(
        value=_sum(F("stock_quantity") * F("price")), units=Sum("stock_quantity", default=0)
    )  # fmt: skip
    low = [
        {"variant_id": row["id"], "product_id": row["product_id"], "sku": row["sku"], "name": row["product__name"],
         "variant_name": row["name"], "available": row["available"], "reorder_point": row["reorder_point"]}
        for row in low_stock_variants().annotate(available=F("stock_quantity") - F("reserved_quantity"))
        .values("id", "product_id", "sku", "product__name", "name", "available", "reorder_point")
        .order_by("available", "id")[:limit]
    ]  # fmt: skip
    now = {
        "low_stock_count": low_stock_variants().count(),
        "low_stock": low,
        "stock_units": value["units"],
        "stock_value": value["value"],
    }
    current = {**_movements_range(params.range), **now}
    previous = {**_movements_range(params.previous), **now} if params.previous else None
    return with_comparison(current, previous)


IDLE_BEFORE_ABANDONED = timedelta(hours=24)


def _carts_range(days: DayRange, cutoff) -> dict:
    items = CartItem.objects.filter(cart=OuterRef("pk"))
    last_item = Subquery(items.order_by("-updated_at").values("updated_at")[:1])
    value = Subquery(
        items.values("cart").annotate(v=_sum(F("quantity") * F("variant__price"))).values("v")[:1],
        output_field=MONEY_FIELD,
    )
    carts = Cart.objects.filter(Exists(items)).annotate(last=Greatest("updated_at", last_item), value=value)
    abandoned = Q(last__lte=cutoff, last__gte=days.start, last__lt=days.end)
    figures = carts.aggregate(
        active=Count("id", filter=Q(last__gt=cutoff)),
        abandoned=Count("id", filter=abandoned),
        abandoned_value=Sum("value", filter=abandoned, output_field=MONEY_FIELD, default=0),
    )
    return {**figures, "abandoned_value": Decimal(figures["abandoned_value"]).quantize(Decimal("0.01"))}


def carts(*, params: ReportParams) -> dict:
    """API.md's `carts`: carts with items active in the last 24 h now; those left idle over 24 h, last touched
    in the range, and their value at today's prices."""
    cutoff = timezone.now() - IDLE_BEFORE_ABANDONED
    current = _carts_range(params.range, cutoff)
    previous = _carts_range(params.previous, cutoff) if params.previous else None
    return with_comparison(current, previous)


def cohorts(*, params: ReportParams) -> list[dict]:
    """API.md's `customers/cohorts`: each month's new customers and the share (%) buying again in later months."""
    activity = cohort_activity(days=params.range)
    months = list(period_starts(days=params.range, period="month"))
    rows = []
    for index, cohort in enumerate(months):
        size = activity.get((cohort, cohort), 0)
        returning = [
            (Decimal(activity.get((cohort, month), 0) * 100) / size).quantize(Decimal("0.1"), ROUND_HALF_UP)
            if size else Decimal("0.0")
            for month in months[index + 1 :]
        ]  # fmt: skip
        rows.append({"cohort": cohort.strftime("%Y-%m"), "customers": size, "returning": returning})
    return rows
