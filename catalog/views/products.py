from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.filters import SearchFilter
from rest_framework.permissions import AllowAny

from catalog import selectors
from catalog.filters import ProductFilter
from catalog.models import Product
from catalog.serializers.products import ProductDetailSerializer, ProductListSerializer
from core.filters import PublicNameOrderingFilter


@extend_schema_view(
    list=extend_schema(tags=["products"], summary="Active products, filtered, searched and ordered"),
    retrieve=extend_schema(tags=["products"], summary="One product by slug or id"),
)
class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    """Public catalog reads; inactive products and variants are invisible here."""

    permission_classes = [AllowAny]
    lookup_field = "key"
    lookup_value_regex = r"[^/]+"
    filterset_class = ProductFilter
    filter_backends = [DjangoFilterBackend, SearchFilter, PublicNameOrderingFilter]
    search_fields = ["name", "description", "brand", "variants__sku", "tags__name"]
    ordering_fields = {
        "price": "min_price",
        "name": "name",
        "created_at": "created_at",
        "rating": "rating_average",
        "popularity": "units_sold",
    }
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.product_detail_queryset()
        return selectors.product_list_queryset()

    def get_serializer_class(self):
        return ProductDetailSerializer if self.action == "retrieve" else ProductListSerializer

    def get_object(self) -> Product:
        try:
            return selectors.product_get(key=self.kwargs["key"])
        except Product.DoesNotExist as exc:
            raise Http404("No product with this slug or id.") from exc
