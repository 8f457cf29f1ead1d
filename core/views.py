from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny

from accounts.permissions import IsAdminRole
from core.dates import store_day_end_exclusive, store_day_start
from core.health import run_checks
from core.models import Event, EventType


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


class EventFilter(filters.FilterSet):
    type = filters.ChoiceFilter(choices=EventType.choices)
    date_from = filters.DateFilter(method="filter_date_from", help_text="YYYY-MM-DD, inclusive, store time zone.")
    date_to = filters.DateFilter(method="filter_date_to", help_text="YYYY-MM-DD, inclusive, store time zone.")

    class Meta:
        model = Event
        fields = ["type", "date_from", "date_to"]

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=store_day_start(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=store_day_end_exclusive(value))


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
