"""Response shapes of the reports (API.md "Analytics"), for the OpenAPI schema and the output alike."""

from rest_framework import serializers

from analytics.definitions import PERIODS
from analytics.params import RangeParamsSerializer
from catalog.models import MovementReason
from core.models import PaymentMethod
from orders.models import OrderStatus
from payments.models import PaymentStatus
from repairs.models import RepairStatus


def money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=2, **kwargs)


def percent() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=1, allow_null=True)


class SalesParamsSerializer(RangeParamsSerializer):
    period = serializers.ChoiceField(choices=PERIODS, default="day", help_text="The length of each row.")


class TaxParamsSerializer(RangeParamsSerializer):
    period = serializers.ChoiceField(choices=["month"], default="month", help_text="VAT is filed monthly.")


class DefinitionsSerializer(serializers.Serializer):
    gross_sales = money(help_text="Goods at line prices before discounts, without tax.")
    discounts = money()
    returns = money(help_text="Refunds recorded in the range, on the refund's day; negative.")
    net_sales = money(help_text="gross_sales - discounts + returns.")
    shipping = money()
    tax = money()
    total_sales = money(help_text="net_sales + shipping + tax.")


class DashboardFiguresSerializer(DefinitionsSerializer):
    revenue = money(help_text="Totals of orders paid in the range less refunds (= total_sales).")
    orders_count = serializers.IntegerField(help_text="Orders whose payment succeeded in the range.")
    average_order_value = money(help_text="net_sales / orders_count.")
    customers_count = serializers.IntegerField(help_text="Customers with an order paid in the range.")
    new_customers = serializers.IntegerField(help_text="Customer accounts opened in the range.")
    pending_orders = serializers.IntegerField(help_text="Orders pending now.")
    low_stock_count = serializers.IntegerField(help_text="Sold variants at or below their reorder point now.")
    open_repairs = serializers.IntegerField(help_text="Repairs neither completed nor cancelled now.")
    revenue_today = money()
    orders_today = serializers.IntegerField()


def _counts(names, help_text: str) -> serializers.Serializer:
    fields = {name: serializers.IntegerField(required=False) for name in names}
    return type("Counts", (serializers.Serializer,), fields)(help_text=help_text)


class OrdersFiguresSerializer(DefinitionsSerializer):
    total = serializers.IntegerField(help_text="Orders placed in the range.")
    revenue = money(help_text="Totals of orders paid in the range less refunds (= total_sales).")
    orders_paid = serializers.IntegerField(help_text="Orders whose payment succeeded in the range.")
    average_order_value = money(help_text="net_sales / orders_paid.")
    by_status = serializers.DictField(
        child=serializers.IntegerField(), help_text=f"Placed, by status: {', '.join(OrderStatus.values)}."
    )
    by_payment_method = serializers.DictField(
        child=serializers.IntegerField(), help_text=f"Orders placed, by method: {', '.join(PaymentMethod.values)}."
    )


def _compared(name: str, figures: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """`figures` plus the optional `previous` (the same object) and `change_percent` (one per number)."""
    numbers = {
        field_name: percent()
        for field_name, field in figures().fields.items()
        if isinstance(field, serializers.IntegerField | serializers.DecimalField)
    }
    change = type(f"{name}ChangeSerializer", (serializers.Serializer,), numbers)
    return type(
        f"{name}Serializer",
        (figures,),
        {
            "previous": figures(required=False, help_text="With `compare`: the same figures for the other range."),
            "change_percent": change(required=False, help_text="With `compare`: change in %; null when previous is 0."),
        },
    )


DashboardSerializer = _compared("Dashboard", DashboardFiguresSerializer)
OrdersReportSerializer = _compared("OrdersReport", OrdersFiguresSerializer)


class SalesRowSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    orders = serializers.IntegerField()
    units = serializers.IntegerField()
    revenue = money()
    net_sales = money()
    previous_revenue = money(required=False, help_text="With `compare`: the other range's same period.")
    previous_orders = serializers.IntegerField(required=False)


class TaxRowSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    taxable_sales = money(help_text="Totals of orders paid in the month, less their tax.")
    tax = money(help_text="VAT on those orders.")
    orders = serializers.IntegerField()


class TopParamsSerializer(RangeParamsSerializer):
    by = serializers.ChoiceField(choices=["revenue", "units"], default="revenue", help_text="What ranks the rows.")
    limit = serializers.IntegerField(default=10, min_value=1, max_value=100, help_text="How many rows.")


class TopRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    units = serializers.IntegerField(help_text="Units on orders paid in the range.")
    revenue = money(help_text="Line totals (line prices, before the order's coupon) of orders paid in the range.")
    previous_units = serializers.IntegerField(required=False, help_text="With `compare`: the other range.")
    previous_revenue = money(required=False, help_text="With `compare`: the other range.")


class TopProductSerializer(TopRowSerializer):
    product_id = serializers.IntegerField()


class TopCategorySerializer(TopRowSerializer):
    category_id = serializers.IntegerField()


class RegionRowSerializer(serializers.Serializer):
    county = serializers.CharField(help_text="The shipping address's county; empty when the order had none.")
    orders = serializers.IntegerField(help_text="Orders paid in the range.")
    revenue = money(help_text="Their totals less refunds recorded in the range (= total_sales).")
    previous_orders = serializers.IntegerField(required=False, help_text="With `compare`: the other range.")
    previous_revenue = money(required=False, help_text="With `compare`: the other range.")


class PaymentsFiguresSerializer(serializers.Serializer):
    attempts = serializers.IntegerField(help_text="Payment attempts started in the range (an STK push, a card, cash).")
    succeeded = serializers.IntegerField(help_text="Of them, those that succeeded (refunded later included).")
    success_rate = percent()
    by_method = serializers.DictField(
        child=serializers.IntegerField(), help_text=f"Attempts by method: {', '.join(PaymentMethod.values)}."
    )
    by_outcome = serializers.DictField(
        child=serializers.IntegerField(), help_text=f"Attempts by status: {', '.join(PaymentStatus.values)}."
    )
    mpesa_failure_reasons = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Failed or cancelled M-Pesa attempts by Daraja's result code (1032: cancelled by the customer).",
    )


PaymentsReportSerializer = _compared("PaymentsReport", PaymentsFiguresSerializer)


class RepairsFiguresSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="Repairs received (booked in) in the range.")
    by_status = serializers.DictField(
        child=serializers.IntegerField(), help_text=f"Those, by status now: {', '.join(RepairStatus.values)}."
    )
    ready = serializers.IntegerField(help_text="Repairs first ready for pickup in the range.")
    average_turnaround_hours = serializers.DecimalField(
        max_digits=None, decimal_places=1, allow_null=True,
        help_text="Their average hours from received to first ready (status history); null when none.",
    )  # fmt: skip
    revenue = money(help_text="Repair payments that succeeded in the range less repair refunds recorded in it.")
    overdue = serializers.IntegerField(help_text="Now: repairs not yet ready, past the day promised.")


RepairsReportSerializer = _compared("RepairsReport", RepairsFiguresSerializer)


class TopCustomerSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    email = serializers.EmailField()
    orders = serializers.IntegerField(help_text="Their orders paid in the range.")
    spent = money(help_text="Those orders' totals (refunds not taken off).")


class CustomersFiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField(
        help_text="Customers (accounts; guests not counted) with an order paid in the range."
    )
    new = serializers.IntegerField(help_text="Of them, those whose first paid order ever is in the range.")
    returning = serializers.IntegerField(help_text="Of them, those who had paid for an order before the range.")
    repeat_rate = percent()
    top = TopCustomerSerializer(many=True, help_text="The 10 who spent most in the range.")


CustomersReportSerializer = _compared("CustomersReport", CustomersFiguresSerializer)


class LowStockSerializer(serializers.Serializer):
    variant_id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField(help_text="The product's name.")
    variant_name = serializers.CharField()
    available = serializers.IntegerField(help_text="On hand less reserved.")
    reorder_point = serializers.IntegerField()


def _by_reason(help_text: str) -> serializers.DictField:
    return serializers.DictField(
        child=serializers.IntegerField(), help_text=f"{help_text} by reason: {', '.join(MovementReason.values)}."
    )


class InventoryFiguresSerializer(serializers.Serializer):
    movements = serializers.IntegerField(help_text="Stock movements recorded in the range.")
    movements_by_reason = _by_reason("Movements")
    units_by_reason = _by_reason("Change of units on hand")
    low_stock_count = serializers.IntegerField(help_text="Now: variants on sale at or below their reorder point.")
    low_stock = LowStockSerializer(many=True, help_text="Now: up to 50 of them, fewest available first.")
    stock_units = serializers.IntegerField(help_text="Now: units on hand of the variants on sale.")
    stock_value = money(help_text="Now: those units at their price (no cost price is recorded).")


InventoryReportSerializer = _compared("InventoryReport", InventoryFiguresSerializer)


class CartsFiguresSerializer(serializers.Serializer):
    active = serializers.IntegerField(help_text="Now: carts with items touched in the last 24 hours.")
    abandoned = serializers.IntegerField(help_text="Carts with items idle over 24 hours, last touched in the range.")
    abandoned_value = money(help_text="Their items at today's prices.")


CartsReportSerializer = _compared("CartsReport", CartsFiguresSerializer)


class CohortRowSerializer(serializers.Serializer):
    cohort = serializers.CharField(help_text="YYYY-MM: the month of these customers' first paid order.")
    customers = serializers.IntegerField(help_text="Customers (accounts) whose first paid order was that month.")
    returning = serializers.ListField(
        child=serializers.DecimalField(max_digits=None, decimal_places=1),
        help_text="% of them with an order paid in month +1, +2, ... up to date_to's month.",
    )
