from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsStaffRole
from catalog import inventory, selectors
from catalog.filters import InventoryVariantFilter, StockMovementFilter
from catalog.serializers.inventory import (
    InventoryVariantSerializer,
    ReorderSuggestionSerializer,
    StockAdjustmentSerializer,
    StockMovementSerializer,
)
from core.openapi import conflict


@extend_schema(tags=["inventory"])
class InventoryVariantListView(generics.ListAPIView):
    permission_classes = [IsStaffRole]
    serializer_class = InventoryVariantSerializer
    filterset_class = InventoryVariantFilter
    search_fields = ["sku", "name", "product__name", "product__brand"]
    ordering_fields = ["sku", "stock_quantity", "available_units"]

    def get_queryset(self):
        return selectors.inventory_variant_list()


class StockAdjustmentView(APIView):
    permission_classes = [IsStaffRole]

    @extend_schema(
        tags=["inventory"],
        request=StockAdjustmentSerializer,
        responses={
            201: StockMovementSerializer,
            409: conflict("The change would leave stock below zero or reservations."),
        },
    )
    def post(self, request):
        serializer = StockAdjustmentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not selectors.inventory_variant_list().filter(pk=data["variant_id"]).exists():
            raise ValidationError({"variant_id": ["No such variant."]}, code="does_not_exist")
        movement = inventory.stock_adjust(actor=request.user, **data)
        return Response(StockMovementSerializer(movement).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["inventory"])
class StockMovementListView(generics.ListAPIView):
    permission_classes = [IsStaffRole]
    serializer_class = StockMovementSerializer
    filterset_class = StockMovementFilter
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.stock_movement_list()


class ReorderSuggestionView(APIView):
    permission_classes = [IsStaffRole]

    @extend_schema(tags=["inventory"], responses={200: ReorderSuggestionSerializer(many=True)})
    def get(self, request):
        return Response(ReorderSuggestionSerializer(selectors.reorder_suggestions(), many=True).data)
