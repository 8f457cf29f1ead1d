from catalog.views import categories, discounts, inventory, products, reviews
from core.routers import OptionalSlashRouter, route
from core.slugs import SLUG_OR_ID_PATTERN

product_router = OptionalSlashRouter()
product_router.register("products", products.ProductViewSet, basename="product")
product_router.register("promotions", discounts.PromotionViewSet, basename="promotion")
product_router.register("coupons", discounts.CouponViewSet, basename="coupon")

urlpatterns = [
    route("categories", categories.CategoryListView.as_view(), "category-list"),
    route(f"categories/(?P<slug>{SLUG_OR_ID_PATTERN})", categories.CategoryDetailView.as_view(), "category-detail"),
    route("inventory/variants", inventory.InventoryVariantListView.as_view(), "inventory-variants"),
    route("inventory/adjustments", inventory.StockAdjustmentView.as_view(), "inventory-adjustments"),
    route("inventory/movements", inventory.StockMovementListView.as_view(), "inventory-movements"),
    route("inventory/reorder-suggestions", inventory.ReorderSuggestionView.as_view(), "inventory-reorder-suggestions"),
    route("reviews/(?P<review_id>[0-9]{1,18})", reviews.ReviewDetailView.as_view(), "review-detail"),
    *product_router.urls,
]
