from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Product, ProductImage, ProductVariant
from catalog.pricing import active_promotions_for


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
        return settings.STORE_CURRENCY

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
