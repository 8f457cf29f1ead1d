"""
Carts and wishlists for support staff to look at; shoppers change them through the API only.
The changelists annotate and join what they show, so a page costs the same queries at any size.
"""

from django.contrib import admin
from django.db.models import Count

from cart.models import Cart, CartItem, WishlistItem
from core.admin import ReadOnlyAdmin, ReadOnlyInline


class CartOwnerFilter(admin.SimpleListFilter):
    title = "owner"
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        return [("anonymous", "Anonymous"), ("signed_in", "Signed in")]

    def queryset(self, request, queryset):
        if self.value() == "anonymous":
            return queryset.filter(user__isnull=True)
        if self.value() == "signed_in":
            return queryset.filter(user__isnull=False)
        return queryset


class CartItemInline(ReadOnlyInline):
    model = CartItem
    fields = ("variant", "product", "quantity", "price_when_added", "added_at", "updated_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("variant__product")

    @admin.display(description="product")
    def product(self, item: CartItem) -> str:
        return item.variant.product.name


@admin.register(Cart)
class CartAdmin(ReadOnlyAdmin):
    list_display = ("token", "owner", "item_count", "coupon", "updated_at")
    list_filter = (CartOwnerFilter, "updated_at")
    search_fields = ("user__email", "token")
    list_select_related = ("user", "coupon")
    fields = ("token", "user", "coupon", "created_at", "updated_at")
    readonly_fields = fields
    inlines = [CartItemInline]
    date_hierarchy = "updated_at"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_count=Count("items"))

    @admin.display(description="owner", ordering="user__email")
    def owner(self, cart: Cart) -> str:
        return cart.user.email if cart.user_id else "anonymous"

    @admin.display(description="items", ordering="item_count")
    def item_count(self, cart: Cart) -> int:
        return cart.item_count


@admin.register(WishlistItem)
class WishlistItemAdmin(ReadOnlyAdmin):
    list_display = ("product", "user", "added_at")
    search_fields = ("user__email", "product__name")
    list_select_related = ("user", "product")
    date_hierarchy = "added_at"
