from django_filters import rest_framework as filters

from core.filters import StoreDayRangeFilterSet
from core.models import PaymentMethod
from orders.models import Order, OrderStatus, PaymentStatus
from orders.selectors import order_search


class OrderFilter(StoreDayRangeFilterSet):
    status = filters.ChoiceFilter(choices=OrderStatus.choices)
    payment_status = filters.ChoiceFilter(choices=PaymentStatus.choices)
    payment_method = filters.ChoiceFilter(choices=PaymentMethod.choices)
    needs_attention = filters.BooleanFilter()
    search = filters.CharFilter(method="filter_search", help_text="Part of the number, email or phone.")

    class Meta:
        model = Order
        fields = ["status", "payment_status", "payment_method", "needs_attention", "date_from", "date_to", "search"]

    def filter_search(self, queryset, name, value):
        return order_search(queryset, text=value)
