"""
Repair tickets over the API: take a device in, list and read tickets, the desk's PATCH and notes,
and the public tracking page. Views parse and answer; `repairs/services/` decides.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from core.filters import PublicNameOrderingFilter
from core.openapi import conflict
from core.routers import OptionalSlashRouter, route
from repairs import selectors
from repairs.filters import RepairFilter
from repairs.models import RepairRequest
from repairs.permissions import WorksAtDesk
from repairs.serializers import (
    NoteCreateSerializer,
    RepairCreateSerializer,
    RepairSerializer,
    RepairTrackingSerializer,
    RepairUpdateSerializer,
)
from repairs.services.notes import note_add
from repairs.services.tickets import repair_create, repair_update
from repairs.throttles import RepairCreateThrottle, RepairTrackThrottle

TAGS = ["repairs"]


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="Repairs: your own, or the whole queue for the desk"),
    retrieve=extend_schema(tags=TAGS, summary="One repair (another customer's answers 404)"),
)
class RepairViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RepairSerializer
    permission_classes = [IsAuthenticated]
    lookup_value_regex = r"[0-9]{1,18}"
    filterset_class = RepairFilter
    filter_backends = [*viewsets.GenericViewSet.filter_backends[:1], PublicNameOrderingFilter]
    ordering_fields = {
        "created_at": "created_at",
        "promised_by": "promised_by",
        "status_changed_at": "status_changed_at",
    }
    ordering = ["-created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return RepairRequest.objects.none()
        return selectors.repairs_visible_to(self.request.user)

    def get_permissions(self):
        if self.action == "create":
            return [AllowAny()]
        if self.action in ("partial_update", "notes"):
            return [IsAuthenticated(), WorksAtDesk()]
        return super().get_permissions()

    def get_throttles(self):
        if self.action == "create":
            return [*super().get_throttles(), RepairCreateThrottle()]
        return super().get_throttles()

    def _body(self, repair: RepairRequest, status_code: int = status.HTTP_200_OK) -> Response:
        # Read back through the caller's view of the desk: the body is what a GET would answer.
        fresh = selectors.repairs_visible_to(self.request.user).filter(pk=repair.pk).first()
        if fresh is None:  # taken in by an anonymous customer: they follow it with the tracking code
            fresh = selectors.repair_by_tracking_code(repair.tracking_code)
        return Response(RepairSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(
        tags=TAGS,
        summary="Take a device in (anyone; linked to the customer's account when signed in)",
        request=RepairCreateSerializer,
        responses={201: RepairSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = RepairCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        repair = repair_create(data=serializer.validated_data, user=request.user)
        return self._body(repair, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        summary="Work on a repair: move it, assign it, diagnose it, price it (technicians, staff)",
        request=RepairUpdateSerializer,
        responses={
            200: RepairSerializer,
            409: conflict(
                "`invalid_transition` (a move the status machine forbids, including to the status it already has), "
                "`quote_exceeded` (final_cost above the approved quote)."
            ),
        },
    )
    def partial_update(self, request, *args, **kwargs):
        repair = self.get_object()
        serializer = RepairUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        repair = repair_update(repair=repair, actor=request.user, changes=serializer.validated_data)
        return self._body(repair)

    @extend_schema(
        tags=TAGS,
        summary="Add a note (technicians, staff): private to the desk, or public on the tracking page",
        description="A note is a new record, so this answers 201, with the repair as it now is.",
        request=NoteCreateSerializer,
        responses={201: RepairSerializer},
    )
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        """A note is created, so 201 (not the 200 of API.md's actions), with the whole repair as its body."""
        repair = self.get_object()
        serializer = NoteCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note_add(repair=repair, author=request.user, **serializer.validated_data)
        return self._body(repair, status_code=status.HTTP_201_CREATED)


class RepairTrackView(APIView):
    """The public tracking page: anyone with the code, no account. Contact details are never shown."""

    permission_classes = [AllowAny]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, RepairTrackThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Follow a repair with its tracking code (anyone)",
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH, description="e.g. RP-7F3K-9Q2M, any case.")],
        responses={200: RepairTrackingSerializer},
    )
    def get(self, request, code: str):
        repair = selectors.repair_by_tracking_code(code)
        if repair is None:
            raise NotFound("No repair has this tracking code.")
        return Response(RepairTrackingSerializer(repair).data)


router = OptionalSlashRouter()
router.register("repairs", RepairViewSet, basename="repair")

urlpatterns = [
    route(r"repairs/track/(?P<code>[A-Za-z0-9-]{1,20})", RepairTrackView.as_view(), "repair-track"),
    *router.urls,
]
