from django_filters import rest_framework as filters

from core.dates import store_day_end_exclusive, store_day_start
from core.models import PaymentMethod
from orders.models import Order, OrderPaymentStatus, OrderStatus
from orders.selectors import order_flagged, order_search


class OrderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=OrderStatus.choices)
    payment_status = filters.ChoiceFilter(choices=OrderPaymentStatus.choices)
    payment_method = filters.ChoiceFilter(choices=PaymentMethod.choices)
    needs_attention = filters.BooleanFilter(
        method="filter_needs_attention", help_text="Flagged for staff: the order itself, or one of its refunds."
    )
    date_from = filters.DateFilter(method="filter_date_from", help_text="YYYY-MM-DD, inclusive, store time zone.")
    date_to = filters.DateFilter(method="filter_date_to", help_text="YYYY-MM-DD, inclusive, store time zone.")
    search = filters.CharFilter(method="filter_search", help_text="Part of the number, email or phone.")

    class Meta:
        model = Order
        fields = ["status", "payment_status", "payment_method", "needs_attention", "date_from", "date_to", "search"]

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=store_day_start(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=store_day_end_exclusive(value))

    def filter_needs_attention(self, queryset, name, value):
        return queryset.filter(order_flagged()) if value else queryset.exclude(order_flagged())

    def filter_search(self, queryset, name, value):
        return order_search(queryset, text=value)
