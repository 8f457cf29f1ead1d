from django.db.models import F
from django_filters import rest_framework as filters

from catalog.models import MovementReason, ProductVariant, StockMovement
from core.dates import store_day_end_exclusive, store_day_start


class InventoryVariantFilter(filters.FilterSet):
    low_stock = filters.BooleanFilter(method="filter_low_stock", help_text="At or below the reorder point.")

    class Meta:
        model = ProductVariant
        fields = ["low_stock"]

    def filter_low_stock(self, queryset, name, value):
        low = {"available_units__lte": F("reorder_point")}
        return queryset.filter(**low) if value else queryset.exclude(**low)


class StockMovementFilter(filters.FilterSet):
    variant_id = filters.NumberFilter(field_name="variant_id")
    reason = filters.ChoiceFilter(choices=MovementReason.choices)
    date_from = filters.DateFilter(method="filter_date_from", help_text="YYYY-MM-DD, inclusive, store time zone.")
    date_to = filters.DateFilter(method="filter_date_to", help_text="YYYY-MM-DD, inclusive, store time zone.")

    class Meta:
        model = StockMovement
        fields = ["variant_id", "reason", "date_from", "date_to"]

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=store_day_start(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=store_day_end_exclusive(value))
