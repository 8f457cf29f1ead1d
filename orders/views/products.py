"""
The product endpoints that need orders: reviews (only buyers may write one) and recommendations
(what paid orders bought together). They live here because catalog must not import orders.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsStaffRole
from catalog import selectors as catalog_selectors
from catalog.models import Product
from catalog.serializers.products import ProductListSerializer
from catalog.serializers.reviews import ReviewCreateSerializer, ReviewSerializer, ReviewStaffSerializer
from catalog.services import reviews as review_services
from catalog.views.products import PRODUCT_KEY
from core.openapi import client_error, conflict
from orders import purchases


def _active_product(key: str) -> Product:
    try:
        return catalog_selectors.product_get(key=key)
    except Product.DoesNotExist as exc:
        raise Http404("No product with this slug or id.") from exc


class ProductReviewsView(generics.GenericAPIView):
    """Anyone reads a product's reviews; a customer who bought it writes one."""

    filter_backends = []  # paged newest first; no search or ordering parameters
    serializer_class = ReviewCreateSerializer  # what OPTIONS describes; reads pick their own

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "POST" else [AllowAny()]

    @property
    def caller_is_staff(self) -> bool:
        return IsStaffRole().has_permission(self.request, self)

    @extend_schema(
        tags=["reviews"],
        summary="A product's reviews, newest first",
        description="Visible reviews only. Staff callers also see hidden ones, with an `is_visible` field.",
        parameters=[PRODUCT_KEY],
        responses={200: ReviewSerializer(many=True)},
    )
    def get(self, request, key: str):
        product = _active_product(key)
        staff = self.caller_is_staff
        page = self.paginate_queryset(catalog_selectors.review_list(product=product, include_hidden=staff))
        serializer_class = ReviewStaffSerializer if staff else ReviewSerializer
        return self.get_paginated_response(serializer_class(page, many=True).data)

    @extend_schema(
        tags=["reviews"],
        summary="Review a product you bought",
        description="Only a customer with a paid order for the product (else 403 `not_purchased`), once per "
        "product (else 409 `duplicate_review`).",
        parameters=[PRODUCT_KEY],
        request=ReviewCreateSerializer,
        responses={
            201: ReviewSerializer,
            403: client_error("`not_purchased`: no paid order has it."),
            409: conflict("`duplicate_review`: you have already reviewed it."),
        },
    )
    def post(self, request, key: str):
        product = _active_product(key)
        # The purchase is checked before the body, like a permission: a non-buyer learns why first.
        if not purchases.customer_bought(user=request.user, product=product):
            raise review_services.NotPurchased()
        serializer = ReviewCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = review_services.review_create(product=product, user=request.user, **serializer.validated_data)
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class ProductRecommendationsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["products"],
        summary="Products to show beside this one",
        description=f"Up to {purchases.RECOMMENDATIONS_LIMIT} active products, best first: those bought together "
        "with this one in paid orders (most shared orders first), topped up with the best sellers of its "
        "category and the categories below it. A plain array, not paginated.",
        parameters=[PRODUCT_KEY],
        responses={200: ProductListSerializer(many=True)},
    )
    def get(self, request, key: str):
        product = _active_product(key)
        ids = purchases.recommendations(product=product)
        position = {product_id: index for index, product_id in enumerate(ids)}
        products = sorted(
            catalog_selectors.product_list_queryset().filter(pk__in=ids), key=lambda item: position[item.pk]
        )
        return Response(ProductListSerializer(products, many=True, context={"request": request}).data)
