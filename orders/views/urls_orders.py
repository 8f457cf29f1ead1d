from core.routers import OptionalSlashRouter
from orders.views.orders import OrderViewSet

router = OptionalSlashRouter()
router.register("orders", OrderViewSet, basename="order")

urlpatterns = router.urls
