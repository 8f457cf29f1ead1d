import hmac
from contextlib import contextmanager

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail, NotFound, ParseError, PermissionDenied, ValidationError
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsStaffRole, NotTechnicianRole
from core.filters import DjangoFilterBackend, FilterSet, IdFilter
from core.idempotency import claim_release, create_once
from core.models import PaymentMethod
from core.openapi import bad_gateway, client_error, conflict
from orders.models import Order
from orders.selectors import order_list
from orders.serializers import OrderSerializer
from payments import notifications, services
from payments.exceptions import GatewayError
from payments.models import Payment, PaymentStatus
from payments.serializers import (
    CallbackAnswerSerializer,
    CardIntentResponseSerializer,
    CardIntentSerializer,
    PaymentSerializer,
    RecordCashSerializer,
    SimulateSerializer,
    StkCallbackSerializer,
    StkPushSerializer,
    WebhookReceivedSerializer,
)
from repairs.models import RepairRequest
from repairs.selectors import repairs_visible_to

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="A repeat with the same key returns the payment the first request started.",
)


def _order_of(request, order_id: int) -> Order:
    """The caller's order (or any order for staff); another customer's is a 404, as if it did not exist."""
    order = order_list(user=request.user).filter(pk=order_id).first()
    if order is None:
        raise ValidationError({"order_id": [ErrorDetail("You have no order with this id.", code="does_not_exist")]})
    return order


def _repair_of(request, repair_id: int) -> RepairRequest:
    """The caller's repair (or any repair for staff); another customer's is a 404, as if it did not exist."""
    repair = repairs_visible_to(request.user).filter(pk=repair_id).first()
    if repair is None:
        raise NotFound("You have no repair with this id.")
    return repair


@contextmanager
def _key_freed_on_failure(request, *, scope: str):
    """A payment the gateway refused leaves its `Idempotency-Key` free: a retry with it sends a new request."""
    try:
        yield
    except GatewayError:
        claim_release(request, scope=scope)
        raise


def _payment_body(payment: Payment, status_code: int) -> Response:
    return Response(PaymentSerializer(Payment.objects.get(pk=payment.pk)).data, status=status_code)


class PaymentFilter(FilterSet):
    status = filters.ChoiceFilter(choices=PaymentStatus.choices)
    method = filters.ChoiceFilter(choices=PaymentMethod.choices)
    needs_attention = filters.BooleanFilter()
    order_id = IdFilter(field_name="order_id")
    repair_id = IdFilter(field_name="repair_id")

    class Meta:
        model = Payment
        fields = ["status", "method", "needs_attention", "order_id", "repair_id"]


@extend_schema_view(
    list=extend_schema(
        tags=["payments"],
        summary="Payments: of your orders and repairs, or every payment for staff (never technicians: 403)",
    ),
    retrieve=extend_schema(tags=["payments"], summary="One payment"),
)
class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PaymentSerializer
    permission_classes = [IsAuthenticated, NotTechnicianRole]
    lookup_value_regex = r"[0-9]{1,18}"
    filterset_class = PaymentFilter
    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Payment.objects.none()
        payments = Payment.objects.order_by("-created_at", "-id")
        if self.request.user.is_staff_role:
            return payments
        mine = repairs_visible_to(self.request.user).order_by().values("pk")
        return payments.filter(Q(order__user=self.request.user) | Q(repair_id__in=mine))

    @extend_schema(
        tags=["payments"],
        summary="Ask M-Pesa for the result now (for a lost callback)",
        request=None,
        responses={200: PaymentSerializer, 502: bad_gateway("`gateway_error`: Daraja could not answer.")},
    )
    @action(detail=True, methods=["post"])
    def refresh(self, request, pk=None):
        payment = services.payment_refresh(payment=self.get_object(), actor=request.user)
        return _payment_body(payment, status.HTTP_200_OK)

    @extend_schema(
        tags=["payments"],
        summary="Play the gateway's answer (only with PAYMENTS_SIMULATION)",
        request=SimulateSerializer,
        responses={200: PaymentSerializer, 409: conflict("`payment_not_pending`")},
    )
    @action(detail=True, methods=["post"])
    def simulate(self, request, pk=None):
        if not settings.PAYMENTS_SIMULATION:
            raise Http404("Payment simulation is switched off.")
        payment = self.get_object()
        serializer = SimulateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = services.payment_simulate(
            payment=payment, outcome=serializer.validated_data["outcome"], actor=request.user
        )
        return _payment_body(payment, status.HTTP_200_OK)


class StkPushView(APIView):
    permission_classes = [IsAuthenticated, NotTechnicianRole]

    @extend_schema(
        tags=["payments"],
        summary="Send an M-Pesa STK push for an order or a repair",
        parameters=[IDEMPOTENCY_KEY],
        request=StkPushSerializer,
        responses={
            202: PaymentSerializer,
            403: client_error("Technicians do not see payments."),
            404: client_error("No repair with this `repair_id` is yours."),
            409: conflict(
                "`already_paid`, `order_not_payable` (an order not pending; a repair cancelled or with nothing "
                "charged yet), `payment_method_unavailable`"
            ),
            502: bad_gateway("`gateway_error`, with Daraja's message; the attempt is recorded as failed."),
        },
    )
    def post(self, request):
        serializer = StkPushSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "repair_id" in data:
            paid = {"repair": _repair_of(request, data["repair_id"])}
        else:
            paid = {"order": _order_of(request, data["order_id"])}
        phone = data["phone"]
        payment, replay = create_once(
            request, scope="payments.stk-push", status=status.HTTP_202_ACCEPTED,
            create=lambda: services.mpesa_payment_create(phone=phone, **paid),
        )  # fmt: skip
        if replay is not None:
            return _payment_body(Payment(pk=replay.resource_id), replay.status)
        with _key_freed_on_failure(request, scope="payments.stk-push"):
            payment = services.mpesa_payment_send(payment=payment)
        return _payment_body(payment, status.HTTP_202_ACCEPTED)


class RawBodyParser(BaseParser):
    """Keep the body as bytes: it is stored as received before anything reads it."""

    media_type = "*/*"

    limit = 1024 * 1024  # a callback is a few hundred bytes; anything near this is not one

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read(self.limit + 1) if stream is not None else b""
        if len(body) > self.limit:
            raise ParseError("The body is too large to be a payment notification.")
        return body


class StkCallbackView(APIView):
    """Safaricom calls this; it has no account, so the secret is in the path and the answer is quick."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    parser_classes = [RawBodyParser]

    @extend_schema(
        tags=["payments"],
        summary="Daraja's STK callback (Safaricom)",
        request={"application/json": StkCallbackSerializer},
        responses={
            200: CallbackAnswerSerializer,
            400: client_error("`parse_error`: not a Daraja STK callback, or over 1 MB; kept for staff."),
            403: client_error("The sender's address is not in MPESA_CALLBACK_ALLOWED_IPS; kept as rejected."),
            404: client_error("Wrong token; nothing is kept."),
        },
    )
    def post(self, request, token: str):
        if not hmac.compare_digest(token.encode(), settings.MPESA_CALLBACK_TOKEN.encode()):
            raise NotFound()
        notifications.stk_callback_receive(received=notifications.received_from(request))
        return Response({"ResultCode": 0, "ResultDesc": "Accepted"})


class CardIntentView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["payments"],
        summary="Start a card payment: a Stripe PaymentIntent",
        parameters=[IDEMPOTENCY_KEY],
        request=CardIntentSerializer,
        responses={
            200: CardIntentResponseSerializer,
            403: client_error("Only the customer who placed the order pays it by card."),
            409: conflict("`already_paid`, `order_not_payable`, `payment_method_unavailable`"),
            502: bad_gateway("`gateway_error`"),
        },
    )
    def post(self, request):
        serializer = CardIntentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = _order_of(request, serializer.validated_data["order_id"])
        if order.user_id != request.user.pk:
            raise PermissionDenied("Only the customer who placed the order pays it by card.")
        payment, replay = create_once(
            request, scope="payments.card-intent", status=status.HTTP_200_OK,
            create=lambda: services.card_payment_create(order=order),
        )  # fmt: skip
        if replay is not None:
            return _intent_replay(replay.resource_id)
        with _key_freed_on_failure(request, scope="payments.card-intent"):
            payment = services.card_payment_send(payment=payment)
        return Response({"payment_id": payment.pk, "client_secret": payment.client_secret})


def _intent_replay(payment_id: int) -> Response:
    """The first request's intent again; if that attempt failed, the retry learns it failed (502)."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.status == PaymentStatus.FAILED:
        raise GatewayError(payment.failure_reason or GatewayError.default_detail)
    return Response({"payment_id": payment.pk, "client_secret": payment.client_secret})


class CardWebhookView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    parser_classes = [RawBodyParser]

    @extend_schema(
        tags=["payments"],
        summary="Stripe's webhook (signature-verified)",
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            200: WebhookReceivedSerializer,
            400: client_error("`parse_error`: a bad `Stripe-Signature` or body; kept for staff."),
        },
    )
    def post(self, request):
        notifications.card_webhook_receive(
            received=notifications.received_from(request), signature=request.headers.get("Stripe-Signature", "")
        )
        return Response({"received": True})


class RecordCashView(APIView):
    permission_classes = [IsStaffRole]

    @extend_schema(
        tags=["orders"],
        summary="Cash collected on delivery (staff)",
        request=RecordCashSerializer,
        responses={200: OrderSerializer, 409: conflict("`already_paid`, `order_not_payable`")},
    )
    def post(self, request, pk: str):
        order = order_list(user=request.user).filter(pk=int(pk)).first()
        if order is None:
            raise NotFound()
        serializer = RecordCashSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.cash_record(order=order, amount=serializer.validated_data["amount"], actor=request.user)
        fresh = order_list(user=request.user).get(pk=order.pk)
        return Response(OrderSerializer(fresh, context={"request": request}).data)
