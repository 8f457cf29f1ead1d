from core.routers import OptionalSlashRouter, route
from payments import views

router = OptionalSlashRouter()
router.register("payments", views.PaymentViewSet, basename="payment")

urlpatterns = [
    route("payments/mpesa/stk-push", views.StkPushView.as_view(), "mpesa-stk-push"),
    route("payments/callbacks/stk/(?P<token>[^/]{1,200})", views.StkCallbackView.as_view(), "mpesa-stk-callback"),
    route("payments/card/intent", views.CardIntentView.as_view(), "card-intent"),
    route("payments/card/webhook", views.CardWebhookView.as_view(), "card-webhook"),
    route("orders/(?P<pk>[0-9]{1,18})/record-cash", views.RecordCashView.as_view(), "order-record-cash"),
    *router.urls,
]
