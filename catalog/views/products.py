from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.permissions import IsStaffRole
from catalog import selectors
from catalog.filters import ProductFilter, ProductSearchFilter
from catalog.models import Product, ProductImage, ProductVariant
from catalog.serializers.products import (
    PriceHistorySerializer,
    ProductDetailSerializer,
    ProductImageSerializer,
    ProductImageUploadSerializer,
    ProductListSerializer,
    ProductStaffSerializer,
    ProductWriteSerializer,
    StaffVariantSerializer,
    VariantWriteSerializer,
    check_variant_skus,
)
from catalog.services import images as image_services
from catalog.services import products as product_services
from core.filters import DjangoFilterBackend, PublicNameOrderingFilter
from core.openapi import conflict
from core.parsers import MultiPartParser
from core.slugs import SLUG_OR_ID_PATTERN

PRODUCT_KEY = OpenApiParameter("key", str, OpenApiParameter.PATH, description="The product's slug, or its integer id.")
VARIANT_ID = OpenApiParameter("variant_id", int, OpenApiParameter.PATH, description="The variant's id.")
IMAGE_ID = OpenApiParameter("image_id", int, OpenApiParameter.PATH, description="The image's id.")
STAFF_PRODUCT_NOTE = (
    "Staff callers also see inactive products, and get the fields of the write responses "
    "(`is_active`, `meta_title`, `meta_description`, every variant with its stock)."
)


@extend_schema_view(
    list=extend_schema(tags=["products"], summary="Active products, filtered, searched and ordered"),
    retrieve=extend_schema(
        tags=["products"], summary="One product by slug or id", parameters=[PRODUCT_KEY], description=STAFF_PRODUCT_NOTE
    ),
    create=extend_schema(
        tags=["products"],
        summary="Create a product with its variants (staff)",
        request=ProductWriteSerializer,
        responses={201: ProductStaffSerializer},
    ),
    update=extend_schema(
        tags=["products"],
        summary="Replace a product (staff)",
        description="Variants are matched by `id` (or SKU) and changed; new ones are added; the ones left out are "
        "deactivated.",
        parameters=[PRODUCT_KEY],
        request=ProductWriteSerializer,
        responses={200: ProductStaffSerializer, 409: conflict("A stock count below the units reserved for orders.")},
    ),
    partial_update=extend_schema(
        tags=["products"],
        summary="Change some fields of a product (staff)",
        description="`variants` entries change the variant named by `id` (or SKU) and add the others; variants "
        "left out stay as they are.",
        parameters=[PRODUCT_KEY],
        request=ProductWriteSerializer,
        responses={200: ProductStaffSerializer, 409: conflict("A stock count below the units reserved for orders.")},
    ),
    destroy=extend_schema(
        tags=["products"],
        summary="Delete a product, or deactivate it when it has orders (staff)",
        parameters=[PRODUCT_KEY],
        responses={204: OpenApiResponse(description="Removed, or deactivated when it has been ordered.")},
    ),
)
class ProductViewSet(viewsets.ModelViewSet):
    """Anyone reads the active catalog; staff create and change it. Inactive products are staff-only."""

    lookup_field = "key"
    lookup_value_regex = SLUG_OR_ID_PATTERN
    filterset_class = ProductFilter
    filter_backends = [DjangoFilterBackend, ProductSearchFilter, PublicNameOrderingFilter]
    ordering_fields = {
        "price": "min_price",
        "name": "name",
        "created_at": "created_at",
        "rating": "rating_average",
        "popularity": "units_sold",
    }
    ordering = ["-created_at", "-id"]

    def get_default_ordering(self, queryset) -> list[str]:
        # A search without an explicit ordering lists the best matches first.
        if "search_rank" in queryset.query.annotations:
            return ["-search_rank", "-created_at"]
        return self.ordering

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [AllowAny()]
        return [IsStaffRole()]

    @property
    def caller_is_staff(self) -> bool:
        return IsStaffRole().has_permission(self.request, self)

    def get_queryset(self):
        return selectors.product_list_queryset()

    def get_serializer_class(self):
        if self.action == "list":
            return ProductListSerializer
        if self.action == "retrieve" and not self.caller_is_staff:
            return ProductDetailSerializer
        return ProductStaffSerializer

    def get_object(self) -> Product:
        try:
            return selectors.product_get(key=self.kwargs["key"], include_inactive=self.caller_is_staff)
        except Product.DoesNotExist as exc:
            raise Http404("No product with this slug or id.") from exc

    def _staff_view(self, product: Product, *, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.product_get(key=str(product.pk), include_inactive=True)
        return Response(ProductStaffSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = ProductWriteSerializer(data=request.data, context={"product": None})
        serializer.is_valid(raise_exception=True)
        product = product_services.product_create(actor=request.user, **serializer.validated_data)
        return self._staff_view(product, status_code=status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs):
        product = self.get_object()
        serializer = ProductWriteSerializer(data=request.data, partial=partial, context={"product": product})
        serializer.is_valid(raise_exception=True)
        product = product_services.product_update(
            product=product, actor=request.user, replace_variants=not partial, **serializer.validated_data
        )
        return self._staff_view(product)

    def destroy(self, request, *args, **kwargs):
        product_services.product_delete(product=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- Price history ----------------------------------------------------------------------------

    @extend_schema(
        tags=["products"],
        summary="Price changes of the product's variants, newest first (staff)",
        parameters=[PRODUCT_KEY],
        responses={200: PriceHistorySerializer(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"], url_path="price-history", filter_backends=[])
    def price_history(self, request, key: str):
        page = self.paginate_queryset(selectors.price_history_list(product=self.get_object()))
        return self.get_paginated_response(PriceHistorySerializer(page, many=True).data)

    # --- Variants ---------------------------------------------------------------------------------

    @extend_schema(
        tags=["products"],
        summary="Add a variant (staff)",
        parameters=[PRODUCT_KEY],
        request=VariantWriteSerializer,
        responses={201: StaffVariantSerializer},
    )
    @action(detail=True, methods=["post"], url_path="variants")
    def variants(self, request, key: str):
        product = self.get_object()
        serializer = VariantWriteSerializer(data=request.data, context={"new_variant": True})
        serializer.is_valid(raise_exception=True)
        data = {field: value for field, value in serializer.validated_data.items() if field != "id"}
        check_variant_skus([data], product=product, flat=True, match_by_sku=False)
        variant = product_services.variant_create(product=product, actor=request.user, **data)
        return Response(self._variant_body(product, variant), status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        tags=["products"],
        summary="Change a variant (staff)",
        parameters=[PRODUCT_KEY, VARIANT_ID],
        request=VariantWriteSerializer,
        responses={200: StaffVariantSerializer, 409: conflict("A stock count below the units reserved for orders.")},
    )
    @extend_schema(
        methods=["DELETE"],
        tags=["products"],
        summary="Delete a variant, or deactivate it when it has orders (staff)",
        parameters=[PRODUCT_KEY, VARIANT_ID],
        request=None,
        responses={
            204: OpenApiResponse(description="Removed, or deactivated when it has been ordered."),
            409: conflict("`last_variant`: a product keeps at least one variant."),
        },
    )
    @action(detail=True, methods=["patch", "delete"], url_path=r"variants/(?P<variant_id>[0-9]{1,18})")
    def variant_detail(self, request, key: str, variant_id: str):
        product = self.get_object()
        variant = get_object_or_404(ProductVariant, pk=int(variant_id), product=product)
        if request.method == "DELETE":
            product_services.variant_delete(variant=variant, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = VariantWriteSerializer(data=request.data, partial=True, context={"existing_variant": True})
        serializer.is_valid(raise_exception=True)
        data = {field: value for field, value in serializer.validated_data.items() if field != "id"}
        check_variant_skus([{**data, "id": variant.pk}], product=product, flat=True)
        variant = product_services.variant_update(variant=variant, actor=request.user, **data)
        return Response(self._variant_body(product, variant))

    def _variant_body(self, product: Product, variant: ProductVariant) -> dict:
        context = {**self.get_serializer_context(), "product": product}
        return StaffVariantSerializer(variant, context=context).data

    # --- Images -----------------------------------------------------------------------------------

    @extend_schema(
        tags=["products"],
        summary="Upload an image (staff)",
        description="JPEG, PNG or WebP only (else 400 `invalid_image`), at most 5 MB and 40 megapixels "
        "(else 400 `image_too_large`). Stored re-encoded without EXIF, with medium and thumbnail renditions.",
        parameters=[PRODUCT_KEY],
        request={"multipart/form-data": ProductImageUploadSerializer},
        responses={201: ProductImageSerializer},
    )
    @action(detail=True, methods=["post"], url_path="images", parser_classes=[MultiPartParser, FormParser])
    def images(self, request, key: str):
        product = self.get_object()
        serializer = ProductImageUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        image = image_services.product_image_add(
            product=product, upload=data["image"], alt_text=data["alt_text"], is_primary=data["is_primary"]
        )
        body = ProductImageSerializer(image, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["products"],
        summary="Delete an image (staff)",
        description="When it was the primary image, the next one becomes primary.",
        parameters=[PRODUCT_KEY, IMAGE_ID],
        request=None,
        responses={204: OpenApiResponse(description="Deleted, with its files.")},
    )
    @action(detail=True, methods=["delete"], url_path=r"images/(?P<image_id>[0-9]{1,18})")
    def image_detail(self, request, key: str, image_id: str):
        image = get_object_or_404(ProductImage, pk=int(image_id), product=self.get_object())
        image_services.product_image_delete(image=image)
        return Response(status=status.HTTP_204_NO_CONTENT)
