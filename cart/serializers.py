from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from cart.models import WishlistItem
from catalog.models import Product, ProductVariant
from catalog.pricing import product_sellable_q, variant_sellable_q
from catalog.serializers.products import ProductListSerializer
from core.serializers import IdRelatedField


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, **kwargs)


def sellable_variants():
    # What a shopper may put in a cart. Anything else answers `does_not_exist`, as the catalog hides it from them.
    return ProductVariant.objects.filter(variant_sellable_q()).select_related("product__category")


def sellable_products():
    return Product.objects.filter(product_sellable_q())


# --- Cart body ----------------------------------------------------------------------------------------


class CartProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    primary_image = serializers.SerializerMethodField()

    # The product list's own: the same `{url, thumbnail_url}` built from the same prefetched images.
    get_primary_image = ProductListSerializer.get_primary_image


class CartItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.id")
    variant_id = serializers.IntegerField(source="item.variant_id")
    product = CartProductSerializer(source="item.variant.product")
    variant_name = serializers.CharField(source="item.variant.name")
    quantity = serializers.IntegerField(source="item.quantity")
    unit_price = _money(help_text="What one unit costs now, after promotions.")
    line_total = _money()
    available = serializers.IntegerField(help_text="Units that could be bought now; 0 when no longer sold.")


class CartCouponSerializer(serializers.Serializer):
    code = serializers.CharField()
    discount = _money()


class CartWarningSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=["price_changed", "out_of_stock", "stock_low", "coupon_invalid", "coupon_expired"]
    )
    detail = serializers.CharField()
    item_id = serializers.IntegerField(allow_null=True, help_text="The line concerned; null for the coupon.")


class CartSerializer(serializers.Serializer):
    """The whole cart, as every cart endpoint answers (a `cart.selectors.CartSummary`)."""

    token = serializers.UUIDField(
        source="cart.token", help_text="Send it back as `X-Cart-Token` while not signed in (also `cart/merge`)."
    )
    items = CartItemSerializer(source="lines", many=True)
    coupon = CartCouponSerializer(source="coupon_body", allow_null=True)
    subtotal = _money(source="totals.subtotal")
    discount_total = _money(source="totals.discount_total")
    shipping_fee = _money(
        source="totals.shipping_fee",
        help_text="The zone fee of the signed-in user's default address's county, else the flat fee; "
        "free from the free-shipping threshold.",
    )
    tax_total = _money(source="totals.tax_total")
    total = _money(source="totals.total")
    currency = serializers.CharField(source="totals.currency")
    warnings = CartWarningSerializer(many=True)


# --- Cart requests ----------------------------------------------------------------------------------


def _quantity(**kwargs) -> serializers.IntegerField:
    # No upper bound here: anything above the store's per-line limit answers `quantity_limit`.
    return serializers.IntegerField(**kwargs)


class CartItemAddSerializer(serializers.Serializer):
    variant_id = IdRelatedField(queryset=sellable_variants(), required=False, help_text="The variant to add.")
    product_id = IdRelatedField(
        queryset=sellable_products(),
        required=False,
        help_text="Instead of `variant_id`, for a product with exactly one variant.",
    )
    quantity = _quantity(min_value=1, help_text="Added to the line's quantity when the variant is in the cart already.")

    def validate(self, attrs: dict) -> dict:
        variant, product = attrs.get("variant_id"), attrs.get("product_id")
        if variant is not None and product is not None:
            raise serializers.ValidationError("Give `variant_id` or `product_id`, not both.", code="invalid")
        if variant is None and product is None:
            raise serializers.ValidationError(
                {"variant_id": [ErrorDetail("Give `variant_id` (or `product_id`).", code="required")]}
            )
        if variant is None:
            variant = single_variant_of(product, attr="product_id")
        return {"variant": variant, "quantity": attrs["quantity"]}


def single_variant_of(product: Product, *, attr: str) -> ProductVariant:
    """The product's one sellable variant; a product with several needs the shopper to pick (`variant_required`)."""
    variants = list(sellable_variants().filter(product=product)[:2])
    if not variants:
        message = "Nothing of this product is on sale right now."
        raise serializers.ValidationError({attr: [ErrorDetail(message, code="does_not_exist")]})
    if len(variants) > 1:
        message = "This product comes in several variants; give `variant_id`."
        raise serializers.ValidationError({attr: [ErrorDetail(message, code="variant_required")]})
    return variants[0]


class CartItemUpdateSerializer(serializers.Serializer):
    quantity = _quantity(min_value=0, help_text="The line's new quantity; 0 removes the line.")


class CartMergeSerializer(serializers.Serializer):
    cart_token = serializers.UUIDField(help_text="The anonymous cart's `token`.")


class CartCouponApplySerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40, help_text="Matched case-insensitively.")


# --- Wishlist -----------------------------------------------------------------------------------------


class WishlistItemSerializer(serializers.ModelSerializer):
    product = ProductListSerializer(read_only=True)

    class Meta:
        model = WishlistItem
        fields = ["id", "product", "added_at"]


class WishlistAddSerializer(serializers.Serializer):
    product_id = IdRelatedField(queryset=sellable_products(), help_text="The product to keep.")


class WishlistMoveSerializer(serializers.Serializer):
    variant_id = IdRelatedField(
        queryset=sellable_variants(),
        required=False,
        help_text="Which variant to add; may be left out for a product with one variant.",
    )
    quantity = _quantity(min_value=1, default=1)

    def validate(self, attrs: dict) -> dict:
        product: Product = self.context["product"]
        variant = attrs.get("variant_id")
        if variant is None:
            variant = single_variant_of(product, attr="variant_id")
        elif variant.product_id != product.pk:
            raise serializers.ValidationError(
                {"variant_id": [ErrorDetail("This variant is not one of the product's.", code="does_not_exist")]}
            )
        return {"variant": variant, "quantity": attrs["quantity"]}
