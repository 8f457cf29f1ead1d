"""
Reads of carts and wishlists, and the cart as a shopper sees it: priced through `catalog.pricing`
(the module checkout uses too), with the warnings a shopper must see before paying.
"""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from rest_framework.exceptions import ErrorDetail, ValidationError

from accounts.models import Address
from cart.models import Cart, CartItem, WishlistItem
from catalog.models import Coupon, ProductImage, ProductVariant
from catalog.pricing import (
    ActivePromotions,
    PricedLine,
    Totals,
    price_lines,
    product_sellable_q,
    sellable_units,
    totals,
    variant_sellable,
)
from catalog.selectors import product_list_queryset
from catalog.services.discounts import coupon_check
from core.store import StoreConfig


def cart_of_user(*, user) -> Cart | None:
    """
    The user's cart with its items, variants, products and categories loaded (what pricing reads),
    or None when the user never had one. For checkout, which must not create a cart.
    """
    items = CartItem.objects.select_related("variant__product__category")
    return Cart.objects.filter(user=user).select_related("coupon").prefetch_related(Prefetch("items", items)).first()


def anonymous_cart_by_token(*, token: uuid.UUID) -> Cart | None:
    """An anonymous cart only: a user's cart is never reachable by its token."""
    return Cart.objects.filter(token=token, user__isnull=True).select_related("coupon").first()


def cart_by_token(*, token: uuid.UUID) -> Cart | None:
    return Cart.objects.filter(token=token).first()


def cart_item_of(*, cart: Cart, item_id: int) -> CartItem:
    """One line of `cart`; a line of any other cart raises `CartItem.DoesNotExist` like a missing one."""
    return CartItem.objects.select_related("variant__product").get(pk=item_id, cart=cart)


def cart_items_for_display(*, cart: Cart) -> list[CartItem]:
    """The cart's lines with everything the body and pricing read, in a constant number of queries."""
    primary_images = Prefetch(
        "variant__product__images", queryset=ProductImage.objects.filter(is_primary=True), to_attr="primary_images"
    )
    return list(
        CartItem.objects.filter(cart=cart).select_related("variant__product__category").prefetch_related(primary_images)
    )


def shipping_county_of(*, user) -> str | None:
    """The county shipping is priced for: the signed-in user's default address, else none (the flat fee)."""
    if user is None or not user.is_authenticated:
        return None
    return Address.objects.filter(user=user, is_default=True).values_list("county", flat=True).first()


def wishlist_list(*, user) -> QuerySet[WishlistItem]:
    """
    The user's wishlist rows whose product is still sold, each product carrying the list card's fields.
    Rows of a deactivated product are kept (it may come back) but not shown.
    """
    return (
        WishlistItem.objects.filter(product_sellable_q("product__"), user=user)
        .prefetch_related(Prefetch("product", queryset=product_list_queryset()))
        .order_by("-added_at", "-id")
    )


def wishlist_item_of(*, user, product_id: int) -> WishlistItem:
    return WishlistItem.objects.select_related("product").get(user=user, product_id=product_id)


# --- The cart as a shopper sees it ------------------------------------------------------------------


@dataclass(frozen=True)
class CartWarning:
    code: str
    detail: str
    item_id: int | None


@dataclass(frozen=True)
class CartLine:
    item: CartItem
    priced: PricedLine
    available: int  # what could be bought now: 0 when the variant or product is no longer sold

    @property
    def unit_price(self) -> Decimal:
        return self.priced.unit_price

    @property
    def line_total(self) -> Decimal:
        return self.priced.line_total


@dataclass(frozen=True)
class CartSummary:
    cart: Cart
    lines: list[CartLine]
    totals: Totals
    coupon: Coupon | None
    warnings: list[CartWarning] = field(default_factory=list)
    # The attached coupon that no longer passes its rules: the caller detaches it (see services.cart_review).
    rejected_coupon: Coupon | None = None

    @property
    def coupon_body(self) -> dict | None:
        if self.coupon is None:
            return None
        return {"code": self.coupon.code, "discount": self.totals.discount_total}


def variant_label(variant: ProductVariant) -> str:
    return f"{variant.product.name} ({variant.name})" if variant.name else variant.product.name


def _line_warnings(line: CartLine, *, currency: str) -> list[CartWarning]:
    item, variant = line.item, line.item.variant
    label = variant_label(variant)
    found = []
    if line.unit_price != item.price_when_added:
        found.append(
            CartWarning(
                code="price_changed",
                detail=f"The price of {label} changed from {currency} {item.price_when_added:.2f} "
                f"to {currency} {line.unit_price:.2f}.",
                item_id=item.pk,
            )
        )
    if not variant_sellable(variant):
        found.append(CartWarning(code="out_of_stock", detail=f"{label} is no longer sold.", item_id=item.pk))
    elif line.available <= 0:
        found.append(CartWarning(code="out_of_stock", detail=f"{label} is out of stock.", item_id=item.pk))
    elif line.available < item.quantity:
        found.append(
            CartWarning(
                code="stock_low",
                detail=f"Only {line.available} of {label} left; the cart holds {item.quantity}.",
                item_id=item.pk,
            )
        )
    return found


def _coupon_rejection(*, coupon: Coupon, subtotal: Decimal, user) -> ErrorDetail | None:
    """Why the attached coupon no longer applies (its first error), or None when it still does."""
    try:
        coupon_check(code=coupon.code, subtotal=subtotal, user=user)
    except ValidationError as exc:
        return exc.detail["code"][0]
    return None


def cart_summary(
    *, cart: Cart, items: list[CartItem], user, promotions: ActivePromotions, store: StoreConfig
) -> CartSummary:
    """
    Price `items` of `cart` and collect the warnings. Every line counts in the totals, so the
    subtotal is the sum of the line totals shown; lines that cannot be bought are flagged instead.
    An attached coupon is re-checked each time: rules change (expiry, minimum subtotal, uses).
    """
    priced = price_lines(((item.variant, item.quantity) for item in items), promotions=promotions)
    lines = [
        CartLine(item=item, priced=line, available=sellable_units(item.variant))
        for item, line in zip(items, priced, strict=True)
    ]
    warnings = [warning for line in lines for warning in _line_warnings(line, currency=store.currency)]
    county = shipping_county_of(user=user)
    coupon, rejected = cart.coupon, None
    if coupon is not None:
        subtotal = sum((line.line_total for line in priced), Decimal("0.00"))
        rejection = _coupon_rejection(coupon=coupon, subtotal=subtotal, user=user)
        if rejection is not None:
            warnings.append(CartWarning(code=rejection.code, detail=f"{coupon.code}: {rejection}", item_id=None))
            coupon, rejected = None, coupon
    return CartSummary(
        cart=cart,
        lines=lines,
        totals=totals(lines=priced, coupon=coupon, county=county, store=store),
        coupon=coupon,
        warnings=warnings,
        rejected_coupon=rejected,
    )
