from django.db.models import F, QuerySet

from catalog.models import ProductVariant, StockMovement


def inventory_variant_list() -> QuerySet[ProductVariant]:
    return (
        ProductVariant.objects.select_related("product")
        .annotate(available_units=F("stock_quantity") - F("reserved_quantity"))
        .order_by("product__name", "sku")
    )


def stock_movement_list() -> QuerySet[StockMovement]:
    return StockMovement.objects.select_related("variant", "actor")
