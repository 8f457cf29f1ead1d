"""Product endpoints served by the orders app (see orders/views/products.py); included under /api/v1/."""

from core.routers import route
from core.slugs import SLUG_OR_ID_PATTERN
from orders.views import products

urlpatterns = [
    route(f"products/(?P<key>{SLUG_OR_ID_PATTERN})/reviews", products.ProductReviewsView.as_view(), "product-reviews"),
    route(
        f"products/(?P<key>{SLUG_OR_ID_PATTERN})/recommendations",
        products.ProductRecommendationsView.as_view(),
        "product-recommendations",
    ),
]
