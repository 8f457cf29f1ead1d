from decimal import Decimal

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from catalog.models import Category, Coupon, DiscountKind, Product, Promotion
from catalog.services.discounts import coupon_normalize_code
from core.serializers import IdRelatedField

MAX_TARGETS = 1000


class _DiscountSerializer(serializers.ModelSerializer):
    """Rules both share: a positive value, percentages up to 100, a window that ends after it starts."""

    value = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text="A percentage (0.01-100) or an amount in the store's currency.",
    )

    def validate(self, attrs: dict) -> dict:
        def current(field):
            return attrs[field] if field in attrs else getattr(self.instance, field, None)

        if current("kind") == DiscountKind.PERCENTAGE and current("value") is not None and current("value") > 100:
            raise serializers.ValidationError(
                {"value": [ErrorDetail("A percentage is at most 100.", code="max_value")]}
            )
        starts_at, ends_at = current("starts_at"), current("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            raise serializers.ValidationError({"ends_at": [ErrorDetail("Must be after starts_at.", code="invalid")]})
        return attrs


class PromotionSerializer(_DiscountSerializer):
    products = IdRelatedField(
        many=True, queryset=Product.objects.all(), required=False, help_text="Ids of the products it applies to."
    )
    categories = IdRelatedField(
        many=True,
        queryset=Category.objects.all(),
        required=False,
        help_text="Ids of the categories it applies to, with everything below them.",
    )

    class Meta:
        model = Promotion
        fields = ["id", "name", "kind", "value", "starts_at", "ends_at", "is_active", "products", "categories",
                  "created_at"]  # fmt: skip
        read_only_fields = ["id", "created_at"]

    def validate_products(self, value: list) -> list:
        return _limited(value)

    def validate_categories(self, value: list) -> list:
        return _limited(value)

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        has_products = attrs["products"] if "products" in attrs else (self.instance and self.instance.products.exists())
        has_categories = (
            attrs["categories"] if "categories" in attrs else (self.instance and self.instance.categories.exists())
        )
        if not has_products and not has_categories:
            raise serializers.ValidationError(
                "A promotion applies to at least one product or category.", code="required"
            )
        return attrs


def _limited(value: list) -> list:
    if len(value) > MAX_TARGETS:
        raise serializers.ValidationError(f"At most {MAX_TARGETS} ids.", code="max_length")
    return list(dict.fromkeys(value))


class CouponSerializer(_DiscountSerializer):
    code = serializers.RegexField(r"^\s*[A-Za-z0-9_-]{3,40}\s*$", max_length=60,
                                  help_text="3-40 letters, digits, `-` or `_`; stored upper-case, matched "
                                            "case-insensitively.")  # fmt: skip
    min_subtotal = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False)
    max_uses = serializers.IntegerField(
        min_value=1, max_value=10_000_000, required=False, allow_null=True, help_text="Uses in all; null for unlimited."
    )
    max_uses_per_customer = serializers.IntegerField(
        min_value=1,
        max_value=10_000,
        required=False,
        allow_null=True,
        help_text="Uses per customer; null for unlimited.",
    )

    class Meta:
        model = Coupon
        fields = ["id", "code", "kind", "value", "min_subtotal", "max_uses", "max_uses_per_customer", "times_used",
                  "starts_at", "ends_at", "is_active", "created_at"]  # fmt: skip
        read_only_fields = ["id", "times_used", "created_at"]

    def validate_code(self, value: str) -> str:
        code = coupon_normalize_code(value)
        taken = Coupon.objects.filter(code=code)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("A coupon with this code already exists.", code="unique")
        return code
