"""
Money at the repair counter: cash taken when the customer collects the device, and refunds. Both
are staff's (technicians work the queue, never the till); `repairs.services.payments` decides, and
the answer is the repair as a GET shows it now. M-Pesa for a repair is `POST payments/mpesa/stk-push`
with `repair_id`, as for orders.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsStaffRole
from core.openapi import client_error, conflict
from core.routers import route
from core.serializers import money_field
from repairs import selectors
from repairs.models import RepairRequest
from repairs.serializers import RepairSerializer
from repairs.services.payments import repair_record_cash, repair_refund

TAGS = ["repairs"]
STAFF_ONLY = client_error("Only staff (not technicians, not customers) take or give back money.")


class RepairCashSerializer(serializers.Serializer):
    amount = money_field(help_text="What the customer paid at the counter: exactly the repair's `amount_due`.")


class RepairRefundSerializer(serializers.Serializer):
    amount = money_field(required=False, help_text="Leave out to refund everything paid and not yet refunded.")
    reason = serializers.CharField(max_length=500)


class _RepairMoneyView(APIView):
    permission_classes = [IsStaffRole]

    def _repair(self, pk: str) -> RepairRequest:
        repair = selectors.repairs_visible_to(self.request.user).filter(pk=int(pk)).first()
        if repair is None:
            raise NotFound()
        return repair

    def _body(self, repair: RepairRequest) -> Response:
        fresh = selectors.repairs_visible_to(self.request.user).get(pk=repair.pk)
        return Response(RepairSerializer(fresh, context={"request": self.request}).data)


class RepairRecordCashView(_RepairMoneyView):
    @extend_schema(
        tags=TAGS,
        summary="Cash taken at the counter (staff): exactly what is due",
        request=RepairCashSerializer,
        responses={
            200: RepairSerializer,
            403: STAFF_ONLY,
            409: conflict("`already_paid` (nothing is due), `order_not_payable` (cancelled, or nothing charged yet)"),
        },
    )
    def post(self, request, pk: str):
        repair = self._repair(pk)
        serializer = RepairCashSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        repair = repair_record_cash(repair=repair, amount=serializer.validated_data["amount"], actor=request.user)
        return self._body(repair)


class RepairRefundView(_RepairMoneyView):
    @extend_schema(
        tags=TAGS,
        summary="Refund all or part of what was paid on a repair (staff)",
        description=(
            "The same refund path as orders: one refund per payment that paid the repair, sent back through its "
            "gateway (a card by Stripe; an M-Pesa reversal or cash by hand, listed under Needs attention until "
            "settled). `amount_refunded` and `payment_status` change at once."
        ),
        request=RepairRefundSerializer,
        responses={
            200: RepairSerializer,
            403: STAFF_ONLY,
            409: conflict("`refund_not_allowed`: nothing paid is left to refund."),
        },
    )
    def post(self, request, pk: str):
        repair = self._repair(pk)
        serializer = RepairRefundSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        repair = repair_refund(repair=repair, amount=data.get("amount"), reason=data["reason"], actor=request.user)
        return self._body(repair)


urlpatterns = [
    route("repairs/(?P<pk>[0-9]{1,18})/record-cash", RepairRecordCashView.as_view(), "repair-record-cash"),
    route("repairs/(?P<pk>[0-9]{1,18})/refund", RepairRefundView.as_view(), "repair-refund"),
]
