from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core.views import api_not_found, health

admin.site.site_header = "Duka back office"
admin.site.site_title = "Duka admin"
admin.site.index_title = "Run the shop"

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("catalog.urls")),
    path("", include("cart.urls")),
    path("", include("orders.urls")),
    path("", include("payments.urls")),
    path("", include("repairs.urls")),
    path("", include("analytics.urls")),
    path("", include("core.urls")),
]

urlpatterns = [
    re_path(r"^health/?$", health, name="health"),
    path("admin/", admin.site.urls),
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^api/docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    re_path(
        r"^api/redoc/?$",
        SpectacularRedocView.as_view(url_name="schema", template_name="api_docs/redoc.html"),
        name="redoc",
    ),
    path("api/v1/", include(api_v1)),
]

if settings.SERVE_MEDIA:
    urlpatterns.append(
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    )

# Last: any other path under /api/ answers the JSON error envelope, not Django's HTML page.
urlpatterns.append(re_path(r"^api/", api_not_found))

# Failures outside any view (a Host header not allowed, a crash in a middleware) under /api/ too.
handler400 = "core.views.bad_request"
handler500 = "core.views.server_error"
