from rest_framework import serializers

from catalog.inventory import ADJUSTMENT_REASONS
from catalog.models import ProductVariant, StockMovement


class InventoryVariantSerializer(serializers.ModelSerializer):
    variant_id = serializers.IntegerField(source="id", read_only=True)
    product = serializers.CharField(source="product.name", read_only=True)
    available = serializers.IntegerField(source="available_units", read_only=True)

    class Meta:
        model = ProductVariant
        fields = ["variant_id", "sku", "product", "stock_quantity", "reserved_quantity", "available",
                  "reorder_point", "reorder_quantity"]  # fmt: skip


class StockAdjustmentSerializer(serializers.Serializer):
    variant_id = serializers.IntegerField(min_value=1, max_value=2**62)
    delta = serializers.IntegerField(min_value=-1_000_000, max_value=1_000_000)
    reason = serializers.ChoiceField(choices=sorted(ADJUSTMENT_REASONS))
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    def validate_delta(self, value: int) -> int:
        if value == 0:
            raise serializers.ValidationError("An adjustment must change the stock.", code="invalid")
        return value


class StockMovementSerializer(serializers.ModelSerializer):
    variant_id = serializers.IntegerField(read_only=True)
    sku = serializers.CharField(source="variant.sku", read_only=True)
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = StockMovement
        fields = ["id", "variant_id", "sku", "delta", "reserved_delta", "reason", "order_id", "repair_id", "note",
                  "created_by", "created_at"]  # fmt: skip

    def get_created_by(self, movement: StockMovement) -> str | None:
        return movement.actor.email if movement.actor else None


class ReorderSuggestionSerializer(serializers.Serializer):
    variant_id = serializers.IntegerField()
    sku = serializers.CharField()
    available = serializers.IntegerField()
    avg_daily_sales_30d = serializers.DecimalField(max_digits=12, decimal_places=2)
    days_of_cover = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True,
                                             help_text="Null when nothing sold in 30 days.")  # fmt: skip
    suggested_quantity = serializers.IntegerField()
