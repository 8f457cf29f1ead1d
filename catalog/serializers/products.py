import operator
from decimal import Decimal
from functools import reduce

from django.db.models import Q
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from catalog.models import Category, PriceHistory, Product, ProductImage, ProductVariant
from catalog.pricing import active_promotions_for
from core.serializers import MAX_ID, IdRelatedField, StrictJSONObjectField
from core.store import store_config_for


def absolute_url(request, file_field) -> str | None:
    if not file_field:
        return None
    url = file_field.url
    return request.build_absolute_uri(url) if request is not None else url


class CategoryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class PrimaryImageSerializer(serializers.Serializer):
    url = serializers.URLField()
    thumbnail_url = serializers.URLField(allow_null=True)


class RatingSerializer(serializers.Serializer):
    average = serializers.DecimalField(max_digits=3, decimal_places=2)
    count = serializers.IntegerField()


class ProductListSerializer(serializers.ModelSerializer):
    """A row of `GET products`: what a product card shows."""

    category = CategoryRefSerializer(read_only=True)
    price = serializers.SerializerMethodField()
    sale_price = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()
    in_stock = serializers.BooleanField(read_only=True)
    rating = serializers.SerializerMethodField()
    primary_image = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = ["id", "slug", "name", "brand", "category", "price", "sale_price", "currency", "in_stock", "rating",
                  "primary_image"]  # fmt: skip

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True))
    def get_price(self, product: Product):
        return None if product.min_price is None else f"{product.min_price:.2f}"

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True))
    def get_sale_price(self, product: Product):
        sale = active_promotions_for(self.context["request"]).sale_price(product, product.min_price)
        return None if sale is None else f"{sale:.2f}"

    def get_currency(self, product: Product) -> str:
        return store_config_for(self.context.get("request")).currency

    @extend_schema_field(RatingSerializer)
    def get_rating(self, product: Product):
        return {"average": f"{product.rating_average:.2f}", "count": product.rating_count}

    @extend_schema_field(PrimaryImageSerializer(allow_null=True))
    def get_primary_image(self, product: Product):
        images = getattr(product, "primary_images", None)
        if not images:
            return None
        request = self.context.get("request")
        return {
            "url": absolute_url(request, images[0].image),
            "thumbnail_url": absolute_url(request, images[0].thumbnail),
        }


class ProductImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    medium_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = ProductImage
        fields = ["id", "url", "medium_url", "thumbnail_url", "alt_text", "width", "height", "is_primary"]

    def get_url(self, image: ProductImage) -> str | None:
        return absolute_url(self.context.get("request"), image.image)

    def get_medium_url(self, image: ProductImage) -> str | None:
        return absolute_url(self.context.get("request"), image.medium)

    def get_thumbnail_url(self, image: ProductImage) -> str | None:
        return absolute_url(self.context.get("request"), image.thumbnail)


class VariantSerializer(serializers.ModelSerializer):
    sale_price = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField()
    in_stock = serializers.SerializerMethodField()

    class Meta:
        model = ProductVariant
        fields = ["id", "sku", "name", "attributes", "price", "sale_price", "available", "in_stock"]

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True))
    def get_sale_price(self, variant: ProductVariant):
        sale = active_promotions_for(self.context["request"]).sale_price(self.context["product"], variant.price)
        return None if sale is None else f"{sale:.2f}"

    def get_available(self, variant: ProductVariant) -> int:
        return max(0, variant.available)

    def get_in_stock(self, variant: ProductVariant) -> bool:
        return variant.available > 0


class SeoSerializer(serializers.Serializer):
    meta_title = serializers.CharField()
    meta_description = serializers.CharField()


class ProductDetailSerializer(ProductListSerializer):
    tags = serializers.SerializerMethodField()
    images = ProductImageSerializer(many=True, read_only=True)
    variants = serializers.SerializerMethodField()
    seo = serializers.SerializerMethodField()

    class Meta(ProductListSerializer.Meta):
        fields = [*ProductListSerializer.Meta.fields, "description", "tags", "specifications", "images", "variants",
                  "seo", "created_at", "updated_at"]  # fmt: skip

    def get_tags(self, product: Product) -> list[str]:
        return [tag.name for tag in product.tags.all()]

    @extend_schema_field(VariantSerializer(many=True))
    def get_variants(self, product: Product):
        context = {**self.context, "product": product}
        return VariantSerializer(product.active_variants, many=True, context=context).data

    @extend_schema_field(SeoSerializer)
    def get_seo(self, product: Product):
        return {"meta_title": product.meta_title or product.name, "meta_description": product.meta_description}


# --- Staff writes -------------------------------------------------------------------------------

SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"
QUANTITY_LIMIT = 1_000_000
PRICE_LIMIT = Decimal("99999999.99")


def _price_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), max_value=PRICE_LIMIT, **kwargs
    )


def _quantity_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=QUANTITY_LIMIT, **kwargs)


class VariantWriteSerializer(serializers.Serializer):
    """A variant as staff write it, alone (`products/{slug}/variants`) or inside a product."""

    id = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Inside a product write: the variant to change. Left out: a new "
        "variant, or the product's variant with the same SKU.",
    )
    sku = serializers.RegexField(
        SKU_PATTERN,
        max_length=64,
        required=False,
        help_text="Unique, compared case-insensitively. Letters, digits, `.`, `_`, `-`, `/`.",
    )
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    attributes = StrictJSONObjectField(
        required=False,
        max_keys=10,
        max_key_length=40,
        max_value_length=100,
        help_text='e.g. {"size": "M", "color": "Blue"}',
    )
    price = _price_field(required=False)
    stock_quantity = _quantity_field(
        required=False,
        help_text="Units on hand. On a new variant, its opening stock (a restock "
        "movement); on an existing one, a stock count (a correction "
        "movement; below the units reserved for orders → 409).",
    )
    reorder_point = _quantity_field(required=False)
    reorder_quantity = _quantity_field(required=False)
    is_active = serializers.BooleanField(required=False)

    def validate(self, attrs: dict) -> dict:
        # Context `new_variant`: the variant is added on its own, so an `id` names nothing.
        is_new = self.context.get("new_variant", False) or "id" not in attrs
        if is_new and not self.context.get("existing_variant", False):
            missing = [field for field in ("sku", "price") if field not in attrs]
            if missing:
                raise serializers.ValidationError(
                    {
                        field: [ErrorDetail("This field is required for a new variant.", code="required")]
                        for field in missing
                    }
                )
        return attrs


def check_variant_skus(
    entries: list[dict], *, product: Product | None, flat: bool = False, match_by_sku: bool = True
) -> None:
    """
    Refuse SKUs given twice or used by another variant (compared case-insensitively), and ids that
    are not `product`'s. An entry without `id` changes the product's variant with its SKU when
    `match_by_sku` (a product write), else it is new. Errors name `variants.<n>.sku`, or just
    `sku` when `flat` (one variant).
    """
    own = {variant.pk: variant for variant in product.variants.all()} if product else {}
    own_by_sku = {variant.sku.casefold(): variant.pk for variant in own.values()} if match_by_sku else {}
    skus = [entry["sku"] for entry in entries if "sku" in entry]
    users = {}
    if skus:
        clashes = ProductVariant.objects.filter(reduce(operator.or_, (Q(sku__iexact=sku) for sku in skus)))
        users = {sku.casefold(): pk for pk, sku in clashes.values_list("pk", "sku")}
    errors: list[dict] = [{} for _ in entries]
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if "id" in entry and entry["id"] not in own:
            errors[index]["id"] = [ErrorDetail("No such variant of this product.", code="does_not_exist")]
        if "sku" not in entry:
            continue
        key = entry["sku"].casefold()
        target = entry.get("id", own_by_sku.get(key))
        if key in seen:
            errors[index]["sku"] = [ErrorDetail("This SKU is given twice.", code="unique")]
        elif key in users and users[key] != target:
            errors[index]["sku"] = [ErrorDetail("This SKU is already in use.", code="unique")]
        seen.add(key)
    if any(errors):
        raise serializers.ValidationError(errors[0] if flat else {"variants": errors})


class ProductWriteSerializer(serializers.Serializer):
    """
    A product as staff write it. A simple product may give `sku`, `price` and `stock_quantity`
    at the top instead of `variants`; they make (or change) its one variant.
    """

    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(
        max_length=220, required=False, help_text="Made from the name when left out, and kept when the name changes."
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    brand = serializers.CharField(required=False, allow_blank=True, max_length=100)
    category = IdRelatedField(queryset=Category.objects.all(), help_text="The category's id.")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        max_length=30,
        help_text="Tag names; missing tags are created.",
    )
    specifications = StrictJSONObjectField(required=False, help_text='A flat object, e.g. {"RAM": "8 GB"}.')
    meta_title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    meta_description = serializers.CharField(required=False, allow_blank=True, max_length=320)
    is_active = serializers.BooleanField(required=False)
    variants = VariantWriteSerializer(many=True, required=False, min_length=1, max_length=100)
    sku = serializers.RegexField(
        SKU_PATTERN,
        max_length=64,
        required=False,
        write_only=True,
        help_text="Simple product: its variant's SKU (made from the slug when left out).",
    )
    price = _price_field(required=False, write_only=True, help_text="Simple product: its variant's price.")
    stock_quantity = _quantity_field(required=False, write_only=True, help_text="Simple product: units on hand.")

    SHORTCUT_FIELDS = ("sku", "price", "stock_quantity")

    @property
    def product(self) -> Product | None:
        return self.context.get("product")

    def validate(self, attrs: dict) -> dict:
        shortcut = {field: attrs.pop(field) for field in self.SHORTCUT_FIELDS if field in attrs}
        if shortcut and "variants" in attrs:
            raise serializers.ValidationError(
                "Give either `variants` or the simple product's `sku`/`price`/`stock_quantity`, not both.",
                code="invalid",
            )
        if shortcut:
            attrs["variants"] = [self._simple_variant(shortcut)]
        elif "variants" not in attrs and (self.product is None or not self.partial):
            raise serializers.ValidationError(
                {"variants": [ErrorDetail("Give `variants`, or `price` for a simple product.", code="required")]}
            )
        if "variants" in attrs:
            check_variant_skus(attrs["variants"], product=self.product, flat=bool(shortcut))
        return attrs

    def _simple_variant(self, shortcut: dict) -> dict:
        if self.product is None:
            if "price" not in shortcut:
                raise serializers.ValidationError(
                    {"price": [ErrorDetail("A simple product needs a price.", code="required")]}
                )
            return shortcut
        variants = list(self.product.variants.all())
        if len(variants) != 1:
            field = next(iter(shortcut))
            message = f"This product has {len(variants)} variants; change them under `variants`."
            raise serializers.ValidationError({field: [ErrorDetail(message, code="invalid")]})
        return {"id": variants[0].pk, **shortcut}


class StaffVariantSerializer(VariantSerializer):
    """A variant as staff see it: with its stock and reorder settings, active or not."""

    class Meta(VariantSerializer.Meta):
        fields = [
            *VariantSerializer.Meta.fields,
            "stock_quantity",
            "reserved_quantity",
            "reorder_point",
            "reorder_quantity",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ProductStaffSerializer(ProductDetailSerializer):
    """The product detail plus what staff edit: the active flag, raw SEO fields, every variant with its stock."""

    variants = serializers.SerializerMethodField()

    class Meta(ProductDetailSerializer.Meta):
        fields = [*ProductDetailSerializer.Meta.fields, "is_active", "meta_title", "meta_description"]

    @extend_schema_field(StaffVariantSerializer(many=True))
    def get_variants(self, product: Product):
        context = {**self.context, "product": product}
        return StaffVariantSerializer(product.all_variants, many=True, context=context).data


class PriceHistorySerializer(serializers.ModelSerializer):
    variant = serializers.IntegerField(source="variant_id", read_only=True, help_text="The variant's id.")
    sku = serializers.CharField(source="variant.sku", read_only=True)
    changed_by = serializers.SerializerMethodField(help_text="The email of who changed it, or null.")

    class Meta:
        model = PriceHistory
        fields = ["id", "variant", "sku", "old_price", "new_price", "changed_at", "changed_by"]

    def get_changed_by(self, entry: PriceHistory) -> str | None:
        return entry.changed_by.email if entry.changed_by else None


class ProductImageUploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="JPEG, PNG or WebP; at most 5 MB and 40 megapixels.")
    alt_text = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    is_primary = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Make this the product's primary image. The first image of a product is primary anyway.",
    )
