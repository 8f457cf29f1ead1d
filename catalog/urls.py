from catalog.views import inventory
from core.routers import route

urlpatterns = [
    route("inventory/variants", inventory.InventoryVariantListView.as_view(), "inventory-variants"),
    route("inventory/adjustments", inventory.StockAdjustmentView.as_view(), "inventory-adjustments"),
    route("inventory/movements", inventory.StockMovementListView.as_view(), "inventory-movements"),
    route("inventory/reorder-suggestions", inventory.ReorderSuggestionView.as_view(), "inventory-reorder-suggestions"),
]
