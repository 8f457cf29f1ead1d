from django.urls import include, path

urlpatterns = [
    path("", include("orders.views.urls_orders")),
    path("", include("orders.views.urls_products")),
]
