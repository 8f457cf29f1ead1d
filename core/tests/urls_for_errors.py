"""
The real URL configuration plus one view that fails unexpectedly, for the 500 envelope test.

The raising route comes first: the real patterns end with a catch-all for `/api/`.
"""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from config.urls import urlpatterns as real_urlpatterns


class ExplodingView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get(self, request):
        raise RuntimeError("an unexpected failure deep inside a view")


urlpatterns = [
    path("api/v1/test-only/explode", ExplodingView.as_view()),
    *real_urlpatterns,
]
