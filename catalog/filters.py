from django.db.models import Exists, F, OuterRef
from django.utils.text import slugify
from django_filters import rest_framework as filters
from rest_framework.filters import BaseFilterBackend

from catalog import selectors
from catalog.models import Category, MovementReason, Product, ProductVariant, StockMovement
from catalog.pricing import active_promotions_for
from core.filters import FilterSet, IdFilter, StoreDayRangeFilterSet


class InventoryVariantFilter(FilterSet):
    low_stock = filters.BooleanFilter(method="filter_low_stock", help_text="At or below the reorder point.")

    class Meta:
        model = ProductVariant
        fields = ["low_stock"]

    def filter_low_stock(self, queryset, name, value):
        low = {"available_units__lte": F("reorder_point")}
        return queryset.filter(**low) if value else queryset.exclude(**low)


class StockMovementFilter(StoreDayRangeFilterSet):
    variant_id = IdFilter(field_name="variant_id")
    reason = filters.ChoiceFilter(choices=MovementReason.choices)

    class Meta:
        model = StockMovement
        fields = ["variant_id", "reason", "date_from", "date_to"]


class ProductFilter(FilterSet):
    category = filters.CharFilter(method="filter_category", help_text="Category slug; includes its descendants.")
    brand = filters.CharFilter(field_name="brand", lookup_expr="iexact")
    tags = filters.CharFilter(method="filter_tags", help_text="Comma-separated tag names or slugs; any of them.")
    min_price = filters.NumberFilter(field_name="min_price", lookup_expr="gte")
    max_price = filters.NumberFilter(field_name="min_price", lookup_expr="lte")
    in_stock = filters.BooleanFilter(field_name="in_stock")
    on_sale = filters.BooleanFilter(method="filter_on_sale", help_text="Only products an active promotion applies to.")

    class Meta:
        model = Product
        fields = ["category", "brand", "tags", "min_price", "max_price", "in_stock", "on_sale"]

    def filter_category(self, queryset, name, value):
        category = Category.objects.filter(slug=value).only("path").first()
        if category is None:
            return queryset.none()
        return queryset.filter(category__path__startswith=category.path)

    def filter_tags(self, queryset, name, value):
        wanted = [slugify(tag) for tag in value.split(",") if tag.strip()][:20]
        if not wanted:
            return queryset
        tagged = Product.tags.through.objects.filter(product_id=OuterRef("pk"), tag__slug__in=wanted)
        return queryset.filter(Exists(tagged))

    def filter_on_sale(self, queryset, name, value):
        condition = active_promotions_for(self.request).on_sale_filter()
        return queryset.filter(condition) if value else queryset.exclude(condition)


class ProductSearchFilter(BaseFilterBackend):
    """
    `?search=` over name, brand, SKUs, tags and description (full-text on PostgreSQL); results
    come best match first unless an `ordering` is asked for.
    """

    search_param = "search"

    def filter_queryset(self, request, queryset, view):
        text = request.query_params.get(self.search_param, "")
        return selectors.product_search(queryset, text=text) if text.strip() else queryset

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.search_param,
                "required": False,
                "in": "query",
                "description": "Words to find in the name, brand, SKUs, tags or description; each word also "
                "matches as a prefix. Best matches first unless `ordering` is given.",
                "schema": {"type": "string"},
            }
        ]
