"""
Quotes over the API: the desk edits and sends the draft; the customer (or staff) approves or declines
what was sent, signed in or with the tracking code alone. Views parse and answer; the rules are in
`repairs/services/quotes.py`.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from core.openapi import conflict
from core.routers import OptionalSlashRouter, route
from core.serializers import money_field
from repairs import selectors
from repairs.models import QuoteLineKind, RepairRequest
from repairs.permissions import OwnerOrStaff, WorksAtDesk
from repairs.roles import works_at_desk
from repairs.serializers import RepairQuoteSerializer, RepairSerializer, RepairTrackingSerializer
from repairs.services import quotes
from repairs.throttles import RepairTrackThrottle

TAGS = ["repairs"]
ANSWER_CONFLICT = conflict("`invalid_transition`: no quote of this repair is waiting for an answer (nothing was sent, "
                           "or it was answered, withdrawn or the repair cancelled).")  # fmt: skip
CODE = OpenApiParameter("code", str, OpenApiParameter.PATH, description="The tracking code (RP-7F3K-9Q2M), any case.")


class QuoteLineInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=QuoteLineKind.choices)
    description = serializers.CharField(
        max_length=255, required=False, allow_blank=True, default="",
        help_text="Required for labour; a part defaults to its product and variant name.",
    )  # fmt: skip
    variant_id = serializers.IntegerField(
        min_value=1, max_value=2**62, required=False, allow_null=True, help_text="The catalog variant (parts only)."
    )
    quantity = serializers.IntegerField(min_value=1, max_value=1000, default=1)
    unit_price = money_field(
        required=False, allow_null=True,
        help_text="Required for labour; a part defaults to the variant's selling price now (promotions included).",
    )  # fmt: skip


class QuoteDraftInputSerializer(serializers.Serializer):
    lines = serializers.ListField(child=QuoteLineInputSerializer(), max_length=quotes.MAX_LINES, allow_empty=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                 help_text="Shown to the customer with the quote.")  # fmt: skip


class QuoteDeclineInputSerializer(serializers.Serializer):
    back_to_diagnosis = serializers.BooleanField(
        default=False, help_text="true: back to diagnosis for another quote; false (default): cancel the repair."
    )


class RepairQuoteViewSet(viewsets.GenericViewSet):
    """The quote actions on a repair found among those the caller sees (another customer's → 404)."""

    serializer_class = RepairSerializer
    permission_classes = [IsAuthenticated]
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return RepairRequest.objects.none()
        return selectors.repairs_visible_to(self.request.user)

    def get_permissions(self):
        if self.action in ("approve_quote", "decline_quote"):
            return [IsAuthenticated(), OwnerOrStaff()]
        if self.action == "send_quote" or (self.action == "quote" and self.request.method == "PUT"):
            return [IsAuthenticated(), WorksAtDesk()]
        return super().get_permissions()

    def _body(self, repair: RepairRequest) -> Response:
        fresh = self.get_queryset().get(pk=repair.pk)
        return Response(RepairSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(
        methods=["GET"],
        tags=TAGS,
        summary="The repair's quote: the draft being prepared (desk), else the newest version sent",
        description="The owner sees versions sent to them only, never a draft. No quote yet → 404.",
        responses={200: RepairQuoteSerializer},
    )
    @extend_schema(
        methods=["PUT"],
        tags=TAGS,
        summary="Save the draft quote (technicians, staff): its lines replace the draft's",
        request=QuoteDraftInputSerializer,
        responses={
            200: RepairQuoteSerializer,
            409: conflict("`invalid_transition`: the repair is completed or cancelled."),
        },
    )
    @action(detail=True, methods=["get", "put"])
    def quote(self, request, pk=None):
        repair = self.get_object()
        if request.method == "PUT":
            serializer = QuoteDraftInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            draft = quotes.quote_draft_save(repair=repair, actor=request.user, **serializer.validated_data)
            return Response(RepairQuoteSerializer(draft).data)
        quote = selectors.quote_current(repair, include_draft=works_at_desk(request.user))
        if quote is None:
            raise NotFound("This repair has no quote yet.")
        return Response(RepairQuoteSerializer(quote).data)

    @extend_schema(
        tags=TAGS,
        summary="Send the draft quote to the customer (technicians, staff)",
        description="Freezes the draft as the version the customer answers, moves the repair to "
        "`awaiting_approval` and emails the customer. An empty quote → 400.",
        request=None,
        responses={
            200: RepairSerializer,
            409: conflict(
                "`invalid_transition`: a quote is already waiting for an answer, or the repair is not in diagnosis "
                "or repair."
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="quote/send", url_name="quote-send")
    def send_quote(self, request, pk=None):
        repair = quotes.quote_send(repair=self.get_object(), actor=request.user)
        return self._body(repair)

    @extend_schema(
        tags=TAGS,
        summary="Approve the quote (owner or staff): parts are reserved and the repair starts",
        description="The repair moves to `in_repair`, or to `awaiting_parts` when a part is out of stock.",
        request=None,
        responses={200: RepairSerializer, 409: ANSWER_CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="approve-quote", url_name="approve-quote")
    def approve_quote(self, request, pk=None):
        repair = quotes.quote_approve(repair=self.get_object(), actor=request.user)
        return self._body(repair)

    @extend_schema(
        tags=TAGS,
        summary="Decline the quote (owner or staff): the repair is cancelled, or goes back to diagnosis",
        request=QuoteDeclineInputSerializer,
        responses={200: RepairSerializer, 409: ANSWER_CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="decline-quote", url_name="decline-quote")
    def decline_quote(self, request, pk=None):
        serializer = QuoteDeclineInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        repair = quotes.quote_decline(repair=self.get_object(), actor=request.user, **serializer.validated_data)
        return self._body(repair)


class _TrackedQuoteAnswer(APIView):
    """An answer given with the tracking code alone: the code is the customer's key, as on the tracking page."""

    permission_classes = [AllowAny]
    # Counted with the tracking page's lookups: trying codes here is trying codes there.
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, RepairTrackThrottle]

    def _repair(self, code: str) -> RepairRequest:
        repair = selectors.repair_by_tracking_code(code)
        if repair is None:
            raise NotFound("No repair has this tracking code.")
        return repair

    def _body(self, repair: RepairRequest) -> Response:
        return Response(RepairTrackingSerializer(selectors.repair_by_tracking_code(repair.tracking_code)).data)


class TrackedQuoteApproveView(_TrackedQuoteAnswer):
    @extend_schema(
        tags=TAGS,
        summary="Approve the quote with the tracking code (anyone with the code)",
        parameters=[CODE],
        request=None,
        responses={200: RepairTrackingSerializer, 409: ANSWER_CONFLICT},
    )
    def post(self, request, code: str):
        return self._body(quotes.quote_approve(repair=self._repair(code), actor=request.user))


class TrackedQuoteDeclineView(_TrackedQuoteAnswer):
    @extend_schema(
        tags=TAGS,
        summary="Decline the quote with the tracking code (anyone with the code)",
        parameters=[CODE],
        request=QuoteDeclineInputSerializer,
        responses={200: RepairTrackingSerializer, 409: ANSWER_CONFLICT},
    )
    def post(self, request, code: str):
        repair = self._repair(code)
        serializer = QuoteDeclineInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._body(quotes.quote_decline(repair=repair, actor=request.user, **serializer.validated_data))


router = OptionalSlashRouter()
router.register("repairs", RepairQuoteViewSet, basename="repair-quote")

urlpatterns = [
    route(r"repairs/track/(?P<code>[A-Za-z0-9-]{1,20})/approve-quote", TrackedQuoteApproveView.as_view(),
          "repair-track-approve-quote"),
    route(r"repairs/track/(?P<code>[A-Za-z0-9-]{1,20})/decline-quote", TrackedQuoteDeclineView.as_view(),
          "repair-track-decline-quote"),
    *router.urls,
]  # fmt: skip
