from cart import views
from core.routers import route

urlpatterns = [
    route("cart", views.CartView.as_view(), "cart"),
    route("cart/items", views.CartItemListView.as_view(), "cart-items"),
    route("cart/items/(?P<item_id>[0-9]{1,18})", views.CartItemDetailView.as_view(), "cart-item"),
    route("cart/merge", views.CartMergeView.as_view(), "cart-merge"),
    route("cart/coupon", views.CartCouponView.as_view(), "cart-coupon"),
    route("wishlist", views.WishlistView.as_view(), "wishlist"),
    route("wishlist/(?P<product_id>[0-9]{1,18})", views.WishlistItemView.as_view(), "wishlist-item"),
    route(
        "wishlist/(?P<product_id>[0-9]{1,18})/move-to-cart",
        views.WishlistMoveToCartView.as_view(),
        "wishlist-move-to-cart",
    ),
]
