from catalog import views
from core.routers import route

urlpatterns = [
    route("inventory/variants", views.InventoryVariantListView.as_view(), "inventory-variants"),
    route("inventory/adjustments", views.StockAdjustmentView.as_view(), "inventory-adjustments"),
    route("inventory/movements", views.StockMovementListView.as_view(), "inventory-movements"),
    route("inventory/reorder-suggestions", views.ReorderSuggestionView.as_view(), "inventory-reorder-suggestions"),
]
