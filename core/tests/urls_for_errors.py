"""
The real URL configuration plus test-only views that fail below the serializers, for the error
envelope tests: one raises an unexpected exception (500), the others make the database refuse a
write the way a lost race does (409).

The test-only routes come first: the real patterns end with a catch-all for `/api/`.
"""

from django.db import transaction
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.tests.factories import UserFactory
from cart.models import WishlistItem
from catalog.models import ProductVariant
from config.urls import handler400, handler500  # noqa: F401  (a URLconf names its own error views)
from config.urls import urlpatterns as real_urlpatterns
from core.models import ShippingZone


class ExplodingView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get(self, request):
        raise RuntimeError("an unexpected failure deep inside a view")


def exploding_plain_view(request):
    """Not DRF's: its failure reaches Django's handler500, as one in a middleware would."""
    raise RuntimeError("an unexpected failure outside DRF")


# Each writes what the checks would have refused, as a request that lost a race would.
UNCHECKED_WRITES = {
    "zone-name": lambda: ShippingZone.objects.create(name="Coast", counties=[], fee=0),
    # The manager lower-cases emails; an update writes the other case past it.
    "email-in-another-case": lambda: User.objects.filter(pk=UserFactory().pk).update(email="WANJIKU@EXAMPLE.COM"),
    "wishlist-row": lambda: WishlistItem.objects.create(**WishlistItem.objects.values("user_id", "product_id")[0]),
    "negative-stock": lambda: ProductVariant.objects.update(stock_quantity=-1),
}


class UncheckedWriteView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def post(self, request, case: str):
        with transaction.atomic():
            UNCHECKED_WRITES[case]()
        return Response(status=201)


urlpatterns = [
    path("api/v1/test-only/explode", ExplodingView.as_view()),
    path("api/v1/test-only/explode-plain", exploding_plain_view),
    path("api/v1/test-only/unchecked/<str:case>", UncheckedWriteView.as_view()),
    *real_urlpatterns,
]
