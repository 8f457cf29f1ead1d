from analytics import views
from analytics.views_exports import ExportView
from core.routers import route

urlpatterns = [
    route("analytics/dashboard", views.DashboardView.as_view(), "analytics-dashboard"),
    route("analytics/export/(?P<kind>[a-z-]+)", ExportView.as_view(), "analytics-export"),
    route("analytics/orders", views.OrdersReportView.as_view(), "analytics-orders"),
    route("analytics/sales", views.SalesView.as_view(), "analytics-sales"),
    route("analytics/tax", views.TaxView.as_view(), "analytics-tax"),
    route("analytics/products/top", views.TopProductsView.as_view(), "analytics-products-top"),
    route("analytics/categories/top", views.TopCategoriesView.as_view(), "analytics-categories-top"),
    route("analytics/regions", views.RegionsView.as_view(), "analytics-regions"),
    route("analytics/payments", views.PaymentsReportView.as_view(), "analytics-payments"),
    route("analytics/repairs", views.RepairsReportView.as_view(), "analytics-repairs"),
    route("analytics/customers", views.CustomersReportView.as_view(), "analytics-customers"),
    route("analytics/inventory", views.InventoryReportView.as_view(), "analytics-inventory"),
    route("analytics/carts", views.CartsReportView.as_view(), "analytics-carts"),
    route("analytics/customers/cohorts", views.CohortsView.as_view(), "analytics-customers-cohorts"),
]
