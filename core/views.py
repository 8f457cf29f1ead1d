from django.http import JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, viewsets
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdminRole, IsStaffRole
from core import services as store_services
from core.filters import StoreDayRangeFilterSet
from core.health import run_checks
from core.models import Event, EventType, ShippingZone
from core.serializers import ShippingZoneSerializer, StoreSettingsSerializer
from core.store import store_settings_record


@never_cache
@require_safe  # GET, and HEAD for load balancers
def health(request):
    healthy, checks = run_checks()
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([])
def api_not_found(request, *args, **kwargs):
    raise NotFound("No API endpoint matches this path.")


def _outside_views(request, *, status: int, code: str, detail: str, html_view, **kwargs):
    """
    Django's own error pages, for failures before or after any view (a Host header not in
    DJANGO_ALLOWED_HOSTS, a crash in a middleware): under /api/ they are the JSON envelope too.
    """
    if not request.path.startswith("/api/"):
        return html_view(request, **kwargs)
    kind = "server_error" if status >= 500 else "client_error"
    return JsonResponse({"type": kind, "errors": [{"code": code, "detail": detail, "attr": None}]}, status=status)


def bad_request(request, exception):
    return _outside_views(
        request, status=400, code="bad_request", detail="The request is not one this server accepts.",
        html_view=defaults.bad_request, exception=exception,
    )  # fmt: skip


def server_error(request):
    return _outside_views(
        request, status=500, code="error", detail="A server error occurred.", html_view=defaults.server_error
    )


class EventFilter(StoreDayRangeFilterSet):
    date_field = "occurred_at"
    type = filters.ChoiceFilter(choices=EventType.choices)

    class Meta:
        model = Event
        fields = ["type", "date_from", "date_to"]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(help_text="The email of who caused it, or null (the system).")

    class Meta:
        model = Event
        fields = ["id", "type", "payload", "actor", "occurred_at"]

    def get_actor(self, event: Event) -> str | None:
        return event.actor.email if event.actor else None


@extend_schema(tags=["events"], summary="Domain events, newest first: the audit trail (admin)")
class EventListView(generics.ListAPIView):
    permission_classes = [IsAdminRole]
    serializer_class = EventSerializer
    filterset_class = EventFilter
    queryset = Event.objects.select_related("actor")
    ordering_fields = ["occurred_at"]


# --- Store settings and shipping zones ---------------------------------------------------------


class StaffWritesPermission(IsStaffRole):
    """Anyone reads; staff write."""

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or super().has_permission(request, view)


@extend_schema_view(
    get=extend_schema(tags=["store"], summary="The store's public settings"),
    patch=extend_schema(tags=["store"], summary="Change the store's settings (staff)"),
)
class StoreSettingsView(APIView):
    permission_classes = [StaffWritesPermission]
    serializer_class = StoreSettingsSerializer

    def get(self, request):
        return Response(StoreSettingsSerializer(store_settings_record()).data)

    def patch(self, request):
        serializer = StoreSettingsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        record = store_services.store_settings_update(fields=serializer.validated_data)
        return Response(StoreSettingsSerializer(record).data)


@extend_schema_view(
    list=extend_schema(tags=["store"], summary="Shipping zones: a fee per set of counties"),
    retrieve=extend_schema(tags=["store"], summary="One shipping zone"),
    create=extend_schema(tags=["store"], summary="Add a shipping zone (staff)"),
    partial_update=extend_schema(tags=["store"], summary="Change a shipping zone (staff)"),
    update=extend_schema(tags=["store"], summary="Replace a shipping zone (staff)"),
    destroy=extend_schema(tags=["store"], summary="Remove a shipping zone (staff)"),
)
class ShippingZoneViewSet(viewsets.ModelViewSet):
    """A plain list (a shop has a handful of zones); a county belongs to at most one zone."""

    permission_classes = [StaffWritesPermission]
    serializer_class = ShippingZoneSerializer
    queryset = ShippingZone.objects.order_by("name", "id")
    lookup_value_regex = r"[0-9]{1,18}"
    pagination_class = None
    filter_backends: list = []

    def perform_create(self, serializer):
        serializer.instance = store_services.shipping_zone_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = store_services.shipping_zone_update(
            zone=serializer.instance, fields=serializer.validated_data
        )

    def perform_destroy(self, instance):
        store_services.shipping_zone_delete(zone=instance)
