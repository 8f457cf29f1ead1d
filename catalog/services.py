"""Catalog writes that carry a rule. Stock is not here: it changes only through `catalog.inventory`."""

from decimal import Decimal

from django.db import transaction

from catalog.models import PriceHistory, ProductVariant


def variant_price_changed(*, variant: ProductVariant, old_price: Decimal, actor=None) -> PriceHistory | None:
    """Record a price change made to `variant` (already saved with its new price); no change, no record."""
    if old_price is None or Decimal(old_price) == variant.price:
        return None
    return PriceHistory.objects.create(variant=variant, old_price=old_price, new_price=variant.price, changed_by=actor)


def variant_set_price(*, variant: ProductVariant, price: Decimal, actor=None) -> ProductVariant:
    with transaction.atomic():
        locked = ProductVariant.objects.select_for_update().get(pk=variant.pk)
        old_price = locked.price
        locked.price = price
        locked.save(update_fields=["price", "updated_at"])
        variant_price_changed(variant=locked, old_price=old_price, actor=actor)
    return locked
