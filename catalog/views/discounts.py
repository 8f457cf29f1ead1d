from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.response import Response

from accounts.permissions import IsStaffRole
from catalog.models import Coupon, Promotion
from catalog.serializers.discounts import CouponSerializer, PromotionSerializer
from catalog.services import discounts as services


class _StaffCrudViewSet(viewsets.ModelViewSet):
    """Staff-only CRUD whose writes go through a service (`create_with` / `update_with`)."""

    permission_classes = [IsStaffRole]
    lookup_value_regex = r"[0-9]{1,18}"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.create_with(**serializer.validated_data)
        return Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        instance = self.update_with(instance, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=instance.pk)).data)


@extend_schema_view(
    list=extend_schema(tags=["promotions"], summary="Promotions, newest first (staff)"),
    retrieve=extend_schema(tags=["promotions"]),
    create=extend_schema(tags=["promotions"], summary="Create a promotion: it drives products' sale_price"),
    update=extend_schema(tags=["promotions"]),
    partial_update=extend_schema(tags=["promotions"]),
    destroy=extend_schema(tags=["promotions"]),
)
class PromotionViewSet(_StaffCrudViewSet):
    serializer_class = PromotionSerializer
    filterset_fields = ["is_active", "kind"]
    search_fields = ["name"]
    ordering_fields = ["created_at", "starts_at", "ends_at", "name"]

    def get_queryset(self):
        return Promotion.objects.prefetch_related("products", "categories")

    def create_with(self, **fields) -> Promotion:
        return services.promotion_create(**fields)

    def update_with(self, promotion: Promotion, **fields) -> Promotion:
        return services.promotion_update(promotion=promotion, **fields)


@extend_schema_view(
    list=extend_schema(tags=["coupons"], summary="Coupons, newest first (staff)"),
    retrieve=extend_schema(tags=["coupons"]),
    create=extend_schema(tags=["coupons"], summary="Create a coupon"),
    update=extend_schema(tags=["coupons"]),
    partial_update=extend_schema(tags=["coupons"]),
    destroy=extend_schema(
        tags=["coupons"],
        summary="Delete a coupon, or deactivate it when it has been used",
        responses={204: OpenApiResponse(description="Removed, or deactivated when it has been used.")},
    ),
)
class CouponViewSet(_StaffCrudViewSet):
    serializer_class = CouponSerializer
    queryset = Coupon.objects.all()
    filterset_fields = ["is_active", "kind"]
    search_fields = ["code"]
    ordering_fields = ["created_at", "code", "times_used", "ends_at"]

    def create_with(self, **fields) -> Coupon:
        return services.coupon_create(**fields)

    def update_with(self, coupon: Coupon, **fields) -> Coupon:
        return services.coupon_update(coupon=coupon, **fields)

    def perform_destroy(self, coupon: Coupon) -> None:
        services.coupon_delete(coupon=coupon)
