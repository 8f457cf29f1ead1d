"""
Every change to a cart or wishlist.

Each cart change runs in a transaction that first touches the cart row (`UPDATE`, which also
takes its row lock on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers) and then
re-reads it `FOR UPDATE`: two requests changing the same cart queue up, so concurrent adds of one
variant cannot lose an update or collide on the one-line-per-variant constraint. The touch also
keeps `updated_at` current, which the idle purge reads.

The cart never reserves stock: it checks what could be bought now (`catalog.pricing.purchase_problem`),
and checkout reserves through `catalog.inventory`.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ErrorDetail, ValidationError

from cart import selectors
from cart.exceptions import CartGone
from cart.models import Cart, CartItem, WishlistItem
from catalog.inventory import InsufficientStock, Shortage
from catalog.models import Coupon, Product, ProductVariant
from catalog.pricing import ActivePromotions, price_lines, purchase_problem, sellable_units, unit_price
from catalog.services.discounts import coupon_check
from core.store import StoreConfig, store_config

ANONYMOUS_CART_IDLE_DAYS = 30


# --- Finding the caller's cart ----------------------------------------------------------------------


def cart_for_user(*, user) -> Cart:
    """
    The user's one cart, created on first use. Two first requests at once may both try to create
    it; the loser's insert breaks the one-cart-per-user constraint and it reads the winner's cart.
    """
    cart = Cart.objects.filter(user=user).select_related("coupon").first()
    if cart is not None:
        return cart
    try:
        with transaction.atomic():
            return Cart.objects.create(user=user)
    except IntegrityError:
        return Cart.objects.get(user=user)


def cart_for_token(*, token: uuid.UUID | None) -> Cart:
    """
    The anonymous cart of `token`, or a new one when there is no token or it names no anonymous
    cart (purged, merged, or a user's): the caller then gets the new cart's token.
    """
    cart = selectors.anonymous_cart_by_token(token=token) if token is not None else None
    return cart if cart is not None else Cart.objects.create()


# --- Lines ------------------------------------------------------------------------------------------


def _locked(cart: Cart) -> Cart:
    """Touch and lock the cart row for the rest of the transaction; see the module docstring."""
    if not Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now()):
        raise CartGone()
    return Cart.objects.select_for_update().get(pk=cart.pk)


def _refuse_unless_buyable(variant: ProductVariant, quantity: int, *, store: StoreConfig) -> None:
    problem = purchase_problem(variant, quantity, store=store)
    if problem == "quantity_limit":
        message = f"At most {store.max_quantity_per_line} of one item per order; this would make {quantity}."
        raise ValidationError({"quantity": [ErrorDetail(message, code="quantity_limit")]})
    if problem is not None:
        raise InsufficientStock([Shortage(variant_id=variant.pk, sku=variant.sku, requested=quantity,
                                          available=sellable_units(variant))])  # fmt: skip


def cart_add_item(
    *,
    cart: Cart,
    variant: ProductVariant,
    quantity: int,
    promotions: ActivePromotions | None = None,
    store: StoreConfig | None = None,
) -> CartItem:
    """
    Add `quantity` of `variant`, onto its line when the cart already has one. The resulting
    quantity must be buyable now: above the per-line limit → 400 `quantity_limit`, above what is
    available → 409 `out_of_stock`. The line's price snapshot becomes today's price: the shopper
    has just chosen it at that price.
    """
    assert quantity >= 1, f"Add a positive quantity, got {quantity}; use cart_set_quantity to remove."
    store = store or store_config()
    promotions = promotions or ActivePromotions.load()
    with transaction.atomic():
        _locked(cart)
        item = CartItem.objects.filter(cart=cart, variant=variant).first()
        new_quantity = quantity + (item.quantity if item else 0)
        _refuse_unless_buyable(variant, new_quantity, store=store)
        price = unit_price(variant, promotions=promotions)
        if item is None:
            return CartItem.objects.create(cart=cart, variant=variant, quantity=new_quantity, price_when_added=price)
        item.quantity, item.price_when_added = new_quantity, price
        item.save(update_fields=["quantity", "price_when_added", "updated_at"])
    return item


def cart_set_quantity(
    *,
    cart: Cart,
    item: CartItem,
    quantity: int,
    promotions: ActivePromotions | None = None,
    store: StoreConfig | None = None,
) -> CartItem | None:
    """
    Set a line's quantity (0 removes it; returns None then). The same checks as adding apply,
    and the price snapshot is renewed, which acknowledges a `price_changed` warning.
    """
    assert item.cart_id == cart.pk, "Look the item up in the caller's cart (selectors.cart_item_of)."
    if quantity == 0:
        cart_remove_item(cart=cart, item=item)
        return None
    store = store or store_config()
    promotions = promotions or ActivePromotions.load()
    with transaction.atomic():
        _locked(cart)
        variant = ProductVariant.objects.select_related("product__category").get(pk=item.variant_id)
        _refuse_unless_buyable(variant, quantity, store=store)
        price = unit_price(variant, promotions=promotions)
        if not CartItem.objects.filter(pk=item.pk).update(
            quantity=quantity, price_when_added=price, updated_at=timezone.now()
        ):
            raise CartItem.DoesNotExist("The line was removed meanwhile.")
    item.quantity, item.price_when_added, item.variant = quantity, price, variant
    return item


def cart_remove_item(*, cart: Cart, item: CartItem) -> None:
    assert item.cart_id == cart.pk, "Look the item up in the caller's cart (selectors.cart_item_of)."
    with transaction.atomic():
        _locked(cart)
        CartItem.objects.filter(pk=item.pk).delete()


def cart_clear(*, cart: Cart) -> None:
    """
    Empty the cart: every line and the coupon. Checkout calls it inside the order's transaction,
    so a failed order leaves the cart as it was.
    """
    with transaction.atomic():
        _locked(cart)
        CartItem.objects.filter(cart=cart).delete()
        Cart.objects.filter(pk=cart.pk).update(coupon=None)
    cart.coupon = None
    # Drop any prefetched lines so the caller does not read the ones just deleted.
    getattr(cart, "_prefetched_objects_cache", {}).pop("items", None)


# --- Merging an anonymous cart into the user's ------------------------------------------------------


def cart_merge(*, cart: Cart, anonymous_cart: Cart, store: StoreConfig | None = None) -> Cart:
    """
    Move `anonymous_cart`'s lines into the user's `cart` and delete it. Quantities of a variant
    in both add up, capped by what is available and by the per-line limit; a line capped to
    nothing is dropped. Merging never lowers a line the user already had. Moved lines keep their
    price snapshot, so a price that changed while they sat in the anonymous cart is still flagged.
    The anonymous cart's coupon is adopted when the user's cart has none.
    """
    assert cart.user_id is not None, "Merge into a signed-in user's cart."
    assert anonymous_cart.user_id is None, "Only an anonymous cart can be merged (never another user's)."
    store = store or store_config()
    with transaction.atomic():
        # Lock both carts in primary-key order, so two merges of the same carts cannot deadlock.
        first, second = sorted([cart, anonymous_cart], key=lambda c: c.pk)
        locked = {first.pk: _locked(first), second.pk: _locked(second)}
        target, source = locked[cart.pk], locked[anonymous_cart.pk]
        existing = {item.variant_id: item for item in CartItem.objects.filter(cart=target)}
        incoming = CartItem.objects.filter(cart=source).select_related("variant__product")
        for item in incoming:
            variant = item.variant
            cap = min(store.max_quantity_per_line, sellable_units(variant))
            mine = existing.get(variant.pk)
            if mine is None:
                if min(item.quantity, cap) > 0:
                    CartItem.objects.create(cart=target, variant=variant, quantity=min(item.quantity, cap),
                                            price_when_added=item.price_when_added)  # fmt: skip
                continue
            merged = max(mine.quantity, min(mine.quantity + item.quantity, cap))
            if merged != mine.quantity:
                mine.quantity = merged
                mine.save(update_fields=["quantity", "updated_at"])
        if target.coupon_id is None and source.coupon_id is not None:
            target.coupon_id = source.coupon_id
            Cart.objects.filter(pk=target.pk).update(coupon_id=source.coupon_id)
        source.delete()
    return target


# --- Coupon -----------------------------------------------------------------------------------------


def cart_apply_coupon(*, cart: Cart, code: str, user=None, promotions: ActivePromotions | None = None) -> Coupon:
    """
    Attach the coupon of `code` after `coupon_check` accepts it for the cart's current subtotal
    (else its 400 `coupon_invalid` / `coupon_expired` on `code`). It replaces any coupon attached.
    """
    promotions = promotions or ActivePromotions.load()
    with transaction.atomic():
        locked = _locked(cart)
        items = CartItem.objects.filter(cart=locked).select_related("variant__product__category")
        lines = price_lines(((item.variant, item.quantity) for item in items), promotions=promotions)
        subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
        coupon = coupon_check(code=code, subtotal=subtotal, user=user)
        Cart.objects.filter(pk=cart.pk).update(coupon=coupon)
    cart.coupon = coupon
    return coupon


def cart_remove_coupon(*, cart: Cart) -> None:
    with transaction.atomic():
        _locked(cart)
        Cart.objects.filter(pk=cart.pk).update(coupon=None)
    cart.coupon = None


def cart_review(*, cart: Cart, user, promotions: ActivePromotions, store: StoreConfig) -> selectors.CartSummary:
    """
    The cart as the shopper sees it (`selectors.cart_summary`). A coupon that no longer passes
    its rules is detached here, so the shopper is told once, and checkout never meets it.
    """
    summary = selectors.cart_summary(
        cart=cart, items=selectors.cart_items_for_display(cart=cart), user=user, promotions=promotions, store=store
    )
    if summary.rejected_coupon is not None:
        # Conditional, so a coupon applied by a concurrent request is not the one removed.
        Cart.objects.filter(pk=cart.pk, coupon=summary.rejected_coupon).update(coupon=None, updated_at=timezone.now())
        cart.coupon = None
    return summary


# --- Wishlist ---------------------------------------------------------------------------------------


def wishlist_add(*, user, product: Product) -> tuple[WishlistItem, bool]:
    """The user's row for `product`, and whether it is new. Adding twice keeps the first row."""
    try:
        with transaction.atomic():
            return WishlistItem.objects.get_or_create(user=user, product=product)
    except IntegrityError:
        # Two adds at once: the loser's insert broke the unique constraint; the winner's row is the answer.
        return WishlistItem.objects.get(user=user, product=product), False


def wishlist_remove(*, user, product_id: int) -> bool:
    """Remove `product_id` from the user's wishlist; False when it was not there."""
    deleted, _ = WishlistItem.objects.filter(user=user, product_id=product_id).delete()
    return bool(deleted)


def wishlist_move_to_cart(
    *,
    user,
    cart: Cart,
    wishlist_item: WishlistItem,
    variant: ProductVariant,
    quantity: int = 1,
    promotions: ActivePromotions | None = None,
    store: StoreConfig | None = None,
) -> CartItem:
    """
    Add the wished-for product to the cart under the rules of `cart_add_item` and take it off the
    wishlist, together: when the add is refused, the wishlist row stays.
    """
    assert wishlist_item.user_id == user.pk, "Look the row up in the caller's wishlist (selectors.wishlist_item_of)."
    assert variant.product_id == wishlist_item.product_id, "Move a variant of the wished-for product."
    with transaction.atomic():
        item = cart_add_item(cart=cart, variant=variant, quantity=quantity, promotions=promotions, store=store)
        WishlistItem.objects.filter(pk=wishlist_item.pk).delete()
    return item


# --- Housekeeping -----------------------------------------------------------------------------------


def carts_purge_idle(*, idle_days: int = ANONYMOUS_CART_IDLE_DAYS, now=None) -> int:
    """
    Delete anonymous carts unchanged for more than `idle_days`, with their lines; returns how
    many carts. Users' carts are kept however old: they are the customer's, not litter.
    """
    cutoff = (now or timezone.now()) - timedelta(days=idle_days)
    _, per_model = Cart.objects.filter(user__isnull=True, updated_at__lt=cutoff).delete()
    return per_model.get(Cart._meta.label, 0)
