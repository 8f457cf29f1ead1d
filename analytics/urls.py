from analytics import views
from analytics.views_exports import ExportView
from core.routers import route

urlpatterns = [
    route("analytics/dashboard", views.DashboardView.as_view(), "analytics-dashboard"),
    route("analytics/export/(?P<kind>[a-z-]+)", ExportView.as_view(), "analytics-export"),
    route("analytics/orders", views.OrdersReportView.as_view(), "analytics-orders"),
    route("analytics/sales", views.SalesView.as_view(), "analytics-sales"),
    route("analytics/tax", views.TaxView.as_view(), "analytics-tax"),
]
