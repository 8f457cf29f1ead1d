from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.permissions import IsStaffRole, NotTechnicianRole
from core.filters import PublicNameOrderingFilter
from core.idempotency import create_once
from core.openapi import conflict
from orders import payment_hooks, selectors
from orders.filters import OrderFilter
from orders.models import Order
from orders.serializers import (
    CancelSerializer,
    OrderSerializer,
    PlaceOrderSerializer,
    RefundSerializer,
    StatusChangeSerializer,
    TrackSerializer,
)
from orders.services import lifecycle
from orders.services.placement import ItemRequest, order_place

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="Any unique string (e.g. a UUID): a repeat with the same key returns the first order.",
)  # fmt: skip
PLACE_SCOPE = "orders.place"


@extend_schema_view(
    list=extend_schema(tags=["orders"], summary="Orders: your own, or every order for staff"),
    retrieve=extend_schema(tags=["orders"], summary="One order (another customer's answers 404)"),
)
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = OrderSerializer
    permission_classes = [IsAuthenticated, NotTechnicianRole]
    lookup_value_regex = r"[0-9]{1,18}"
    filterset_class = OrderFilter
    filter_backends = [*viewsets.GenericViewSet.filter_backends[:1], PublicNameOrderingFilter]
    ordering_fields = {"created_at": "created_at", "total": "total", "number": "number"}
    ordering = ["-created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Order.objects.none()
        return selectors.order_list(user=self.request.user)

    def get_permissions(self):
        if self.action in ("set_status", "refund"):
            return [IsStaffRole()]
        return super().get_permissions()

    def _body(self, order: Order, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=order.pk)
        return Response(OrderSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(
        tags=["orders"],
        summary="Check out: from the cart, or from `items`",
        parameters=[IDEMPOTENCY_KEY],
        request=PlaceOrderSerializer,
        responses={
            201: OrderSerializer,
            409: conflict(
                "`out_of_stock` (one error per short line; nothing reserved), `payment_method_unavailable`, "
                "`idempotency_key_reused`."
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        serializer = PlaceOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "items" in data:
            data["items"] = [ItemRequest(item["variant_id"], item["quantity"]) for item in data["items"]]
        order, replay = create_once(
            request, scope=PLACE_SCOPE, status=status.HTTP_201_CREATED,
            create=lambda: order_place(user=request.user, **data),
        )  # fmt: skip
        if replay is not None:
            return self._body(Order(pk=replay.resource_id), status_code=replay.status)
        # After commit, with no lock held: the STK push is a network call.
        payment_hooks.after_checkout(order=order, phone=data.get("phone", ""), actor=request.user)
        return self._body(order, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["orders"],
        summary="Cancel (owner while pending or paid; staff until shipped)",
        request=CancelSerializer,
        responses={200: OrderSerializer, 409: conflict("`invalid_transition`")},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self.get_object()
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = lifecycle.order_cancel(order=order, actor=request.user, reason=serializer.validated_data["reason"],
                                       by_staff=request.user.is_staff_role)  # fmt: skip
        return self._body(order)

    @extend_schema(
        tags=["orders"],
        summary="Move an order along: processing, shipped, delivered, cancelled (staff)",
        request=StatusChangeSerializer,
        responses={200: OrderSerializer, 409: conflict("`invalid_transition`")},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        order = self.get_object()
        serializer = StatusChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order = lifecycle.order_set_status(
            order=order, to=data["status"], actor=request.user, note=data["note"],
            tracking_number=data.get("tracking_number"), carrier=data.get("carrier"),
        )  # fmt: skip
        return self._body(order)

    @extend_schema(
        tags=["orders"],
        summary="Refund all or part of what was paid, optionally restocking (staff)",
        request=RefundSerializer,
        responses={200: OrderSerializer, 409: conflict("`refund_not_allowed`: nothing was paid.")},
    )
    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        order = self.get_object()
        serializer = RefundSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        quantities = None
        if data.get("lines"):
            quantities = {}
            for line in data["lines"]:
                quantities[line["line_id"]] = quantities.get(line["line_id"], 0) + line["quantity"]
        order = lifecycle.order_refund(
            order=order, amount=data.get("amount"), reason=data["reason"], restock=data["restock"],
            actor=request.user, restock_quantities=quantities, provider_reference=data.get("reference", ""),
        )  # fmt: skip
        return self._body(order)

    @extend_schema(tags=["orders"], summary="Where the order is", responses={200: TrackSerializer})
    @action(detail=True, methods=["get"], filter_backends=[])
    def track(self, request, pk=None):
        return Response(TrackSerializer(self.get_object()).data)

    def permission_denied(self, request, message=None, code=None):
        # Staff-only actions on an order: a customer learns nothing about whether it exists.
        if request.user.is_authenticated and self.action in ("set_status", "refund"):
            raise PermissionDenied("Only staff can do this.")
        super().permission_denied(request, message=message, code=code)
