"""Stock made and checked the way the quotes and parts tests need: from movements, against reservations."""

from django.db.models import Sum

from catalog.inventory import stock_adjust
from catalog.models import ProductVariant, StockMovement
from catalog.tests.factories import VariantFactory
from orders.models import OrderLine, StockState
from repairs.models import PartState, RepairPart


def stocked(units: int, **kw) -> ProductVariant:
    """A variant whose opening stock is a movement, so its movements add up to what is on the shelf."""
    variant = VariantFactory(stock_quantity=0, reorder_point=0, **kw)
    if units:
        stock_adjust(variant_id=variant.pk, delta=units, reason="restock")
    variant.refresh_from_db()
    return variant


def assert_stock_consistent(*variants: ProductVariant) -> None:
    """
    What is on the shelf and what is held equal what the movements say, and what is held equals the
    open reservations: orders' lines still reserved plus repairs' parts still reserved.
    """
    for variant in variants:
        variant.refresh_from_db()
        moves = StockMovement.objects.filter(variant=variant)
        moved = moves.aggregate(on_hand=Sum("delta"), held=Sum("reserved_delta"))
        assert (variant.stock_quantity, variant.reserved_quantity) == (moved["on_hand"] or 0, moved["held"] or 0)
        for_orders = OrderLine.objects.filter(variant=variant, order__stock_state=StockState.RESERVED).aggregate(
            units=Sum("quantity")
        )["units"]
        for_repairs = RepairPart.objects.filter(variant=variant, state=PartState.RESERVED).aggregate(
            units=Sum("quantity")
        )["units"]
        assert variant.reserved_quantity == (for_orders or 0) + (for_repairs or 0), variant.sku
        assert 0 <= variant.reserved_quantity <= variant.stock_quantity
