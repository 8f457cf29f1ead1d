from django_filters import rest_framework as filters

from core.filters import StoreDayRangeFilterSet
from core.models import PaymentMethod
from orders.models import Order, OrderPaymentStatus, OrderStatus
from orders.selectors import order_flagged, order_search


class OrderFilter(StoreDayRangeFilterSet):
    status = filters.ChoiceFilter(choices=OrderStatus.choices)
    payment_status = filters.ChoiceFilter(choices=OrderPaymentStatus.choices)
    payment_method = filters.ChoiceFilter(choices=PaymentMethod.choices)
    needs_attention = filters.BooleanFilter(
        method="filter_needs_attention", help_text="Flagged for staff: the order itself, or one of its refunds."
    )
    search = filters.CharFilter(method="filter_search", help_text="Part of the number, email or phone.")

    class Meta:
        model = Order
        fields = ["status", "payment_status", "payment_method", "needs_attention", "date_from", "date_to", "search"]

    def filter_needs_attention(self, queryset, name, value):
        return queryset.filter(order_flagged()) if value else queryset.exclude(order_flagged())

    def filter_search(self, queryset, name, value):
        return order_search(queryset, text=value)
