"""
Promotions and coupons: staff writes, and the rules a coupon must pass before it takes money off.

The cart and checkout (orders work) call `coupon_check` to show a discount and `coupon_redeem`
when an order is placed; `coupon_redeem` re-checks under a row lock, so the last allowed use
cannot be taken twice by two checkouts at the same moment.
"""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.exceptions import ErrorDetail, ValidationError

from catalog.models import Category, Coupon, CouponRedemption, Product, Promotion
from catalog.pricing import coupon_discount

# --- Promotions -------------------------------------------------------------------------------------


def promotion_create(
    *, products: Sequence[Product] = (), categories: Sequence[Category] = (), **fields: Any
) -> Promotion:
    with transaction.atomic():
        promotion = Promotion.objects.create(**fields)
        promotion.products.set(products)
        promotion.categories.set(categories)
    return promotion


def promotion_update(
    *,
    promotion: Promotion,
    products: Sequence[Product] | None = None,
    categories: Sequence[Category] | None = None,
    **fields: Any,
) -> Promotion:
    with transaction.atomic():
        for field, value in fields.items():
            setattr(promotion, field, value)
        promotion.save()
        if products is not None:
            promotion.products.set(products)
        if categories is not None:
            promotion.categories.set(categories)
    return promotion


# --- Coupons ----------------------------------------------------------------------------------------


def coupon_normalize_code(code: str) -> str:
    """Codes are stored upper-case and matched case-insensitively: "save10" finds "SAVE10"."""
    return code.strip().upper()


def coupon_create(*, code: str, **fields: Any) -> Coupon:
    return Coupon.objects.create(code=coupon_normalize_code(code), **fields)


def coupon_update(*, coupon: Coupon, **fields: Any) -> Coupon:
    if "code" in fields:
        fields["code"] = coupon_normalize_code(fields["code"])
    for field, value in fields.items():
        setattr(coupon, field, value)
    coupon.save()
    return coupon


def coupon_delete(*, coupon: Coupon) -> bool:
    """Remove a coupon never used; deactivate one that was, keeping its redemptions. True when removed."""
    with transaction.atomic():
        coupon = Coupon.objects.select_for_update().get(pk=coupon.pk)
        if coupon.times_used or coupon.redemptions.exists():
            Coupon.objects.filter(pk=coupon.pk).update(is_active=False)
            return False
        coupon.delete()
    return True


def _rejected(message: str, code: str) -> ValidationError:
    # Raised on the `code` field: the cart's `POST cart/coupon {code}` reports it there.
    return ValidationError({"code": [ErrorDetail(message, code=code)]})


def coupon_check(*, code: str, subtotal: Decimal, user=None, now: datetime | None = None) -> Coupon:
    """
    The coupon with this code if it may be applied now to a cart of `subtotal` for `user`,
    else 400 `coupon_expired` (its window has passed) or `coupon_invalid` (anything else).
    """
    normalized = coupon_normalize_code(code)
    # No code is longer than the column; cutting a long input down could match a real code.
    coupon = Coupon.objects.filter(code=normalized).first() if len(normalized) <= 40 else None
    if coupon is None:
        raise _rejected("This coupon code does not exist.", "coupon_invalid")
    _coupon_rules(coupon=coupon, subtotal=subtotal, user=user, now=now or timezone.now())
    return coupon


def _coupon_rules(*, coupon: Coupon, subtotal: Decimal, user, now: datetime) -> None:
    if not coupon.is_active:
        raise _rejected("This coupon is no longer valid.", "coupon_invalid")
    if coupon.starts_at and now < coupon.starts_at:
        raise _rejected("This coupon is not valid yet.", "coupon_invalid")
    if coupon.ends_at and now >= coupon.ends_at:
        raise _rejected("This coupon has expired.", "coupon_expired")
    if coupon.max_uses is not None and coupon.times_used >= coupon.max_uses:
        raise _rejected("This coupon has been used up.", "coupon_invalid")
    if coupon.max_uses_per_customer is not None and user is not None and user.is_authenticated:
        used = CouponRedemption.objects.filter(coupon=coupon, user=user).count()
        if used >= coupon.max_uses_per_customer:
            raise _rejected("You have already used this coupon as often as it allows.", "coupon_invalid")
    if subtotal < coupon.min_subtotal:
        raise _rejected(f"This coupon needs a subtotal of at least {coupon.min_subtotal:.2f}.", "coupon_invalid")


def coupon_redeem(*, coupon: Coupon, user, order_id: int, subtotal: Decimal) -> CouponRedemption:
    """
    Count one use of `coupon` by `order_id`, re-checking every rule with the coupon's row locked
    so two checkouts cannot both take its last use. Call inside the order's transaction.
    """
    with transaction.atomic():
        locked = Coupon.objects.select_for_update().get(pk=coupon.pk)
        _coupon_rules(coupon=locked, subtotal=subtotal, user=user, now=timezone.now())
        Coupon.objects.filter(pk=locked.pk).update(times_used=F("times_used") + 1)
        return CouponRedemption.objects.create(
            coupon=locked, user=user, order_id=order_id, discount=coupon_discount(locked, subtotal)
        )


def coupon_redemption_release(*, order_id: int) -> int:
    """Give back the coupon uses of an order that was cancelled before it was paid; returns how many."""
    with transaction.atomic():
        redemptions = list(CouponRedemption.objects.select_for_update().filter(order_id=order_id))
        for redemption in redemptions:
            Coupon.objects.filter(pk=redemption.coupon_id, times_used__gt=0).update(times_used=F("times_used") - 1)
            redemption.delete()
    return len(redemptions)


def coupon_redemption_restore(*, coupon_id: int, user, order_id: int, discount: Decimal) -> bool:
    """
    Count again the use an order gave back when it failed unpaid, now that it was paid after all at
    the discounted price. The money is in, so the use counts even past the coupon's limits (another
    checkout may have taken the released use meanwhile); returns False when it went past them.
    """
    with transaction.atomic():
        coupon = Coupon.objects.select_for_update().filter(pk=coupon_id).first()
        if coupon is None or CouponRedemption.objects.filter(coupon=coupon, order_id=order_id).exists():
            return True
        within = coupon.max_uses is None or coupon.times_used < coupon.max_uses
        if coupon.max_uses_per_customer is not None and user is not None:
            within = within and CouponRedemption.objects.filter(coupon=coupon, user=user).count() < (
                coupon.max_uses_per_customer
            )
        Coupon.objects.filter(pk=coupon.pk).update(times_used=F("times_used") + 1)
        CouponRedemption.objects.create(coupon=coupon, user=user, order_id=order_id, discount=discount)
    return within
