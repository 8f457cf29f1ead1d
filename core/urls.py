from core import views
from core.routers import OptionalSlashRouter, route

router = OptionalSlashRouter()
router.register("store/shipping-zones", views.ShippingZoneViewSet, basename="shipping-zone")

urlpatterns = [
    route("events", views.EventListView.as_view(), "event-list"),
    route("store/settings", views.StoreSettingsView.as_view(), "store-settings"),
    *router.urls,
]
