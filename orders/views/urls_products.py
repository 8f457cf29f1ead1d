"""Product endpoints served by the orders app (see orders/views/products.py); included under /api/v1/."""

from core.routers import route
from orders.views import products

urlpatterns = [
    route("products/(?P<key>[^/]+)/reviews", products.ProductReviewsView.as_view(), "product-reviews"),
    route(
        "products/(?P<key>[^/]+)/recommendations",
        products.ProductRecommendationsView.as_view(),
        "product-recommendations",
    ),
]
