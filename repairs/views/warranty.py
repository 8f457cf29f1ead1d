"""Warranty claims over the API: the owner or staff open one on a completed repair (`repairs/services/warranty.py`)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.openapi import conflict
from core.routers import OptionalSlashRouter
from repairs import selectors
from repairs.models import RepairRequest
from repairs.permissions import OwnerOrStaff
from repairs.serializers import RepairSerializer
from repairs.services.warranty import warranty_claim_open


class WarrantyClaimInputSerializer(serializers.Serializer):
    issue_description = serializers.CharField(max_length=5000, help_text="What is wrong again.")


class RepairWarrantyViewSet(viewsets.GenericViewSet):
    serializer_class = RepairSerializer
    permission_classes = [IsAuthenticated, OwnerOrStaff]
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return RepairRequest.objects.none()
        return selectors.repairs_visible_to(self.request.user)

    @extend_schema(
        tags=["repairs"],
        summary="Claim the warranty of a completed repair (owner, staff): a new, free ticket",
        description="The claim is linked to the repair by `warranty_of` and keeps its `warranty_until` "
        "(the warranty never restarts).",
        request=WarrantyClaimInputSerializer,
        responses={
            201: RepairSerializer,
            409: conflict(
                "`warranty_expired` (after `warranty_until`, the store's today), `invalid_transition` (the repair "
                "is not completed)."
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="warranty-claim", url_name="warranty-claim")
    def warranty_claim(self, request, pk=None):
        repair = self.get_object()
        serializer = WarrantyClaimInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = warranty_claim_open(repair=repair, actor=request.user, **serializer.validated_data)
        body = RepairSerializer(self.get_queryset().get(pk=claim.pk), context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)


router = OptionalSlashRouter()
router.register("repairs", RepairWarrantyViewSet, basename="repair-warranty")

urlpatterns = [*router.urls]
