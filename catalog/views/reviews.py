from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsStaffRole
from catalog.models import Review
from catalog.serializers.reviews import ReviewStaffSerializer, ReviewVisibilitySerializer
from catalog.services import reviews as review_services

REVIEW_ID = OpenApiParameter("review_id", int, OpenApiParameter.PATH, description="The review's id.")


class ReviewDetailView(APIView):
    """Moderation: staff hide a review (or show it again). Customers review through `products/{key}/reviews`."""

    permission_classes = [IsStaffRole]

    @extend_schema(
        tags=["reviews"],
        summary="Hide or show a review (staff)",
        description="A hidden review leaves the shop's review list and the product's rating, which is recomputed.",
        parameters=[REVIEW_ID],
        request=ReviewVisibilitySerializer,
        responses={200: ReviewStaffSerializer},
    )
    def patch(self, request, review_id: str):
        review = get_object_or_404(Review.objects.select_related("user", "product"), pk=int(review_id))
        serializer = ReviewVisibilitySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = review_services.review_set_visibility(
            review=review, is_visible=serializer.validated_data["is_visible"]
        )
        return Response(ReviewStaffSerializer(review).data)
