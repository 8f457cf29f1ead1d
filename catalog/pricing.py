"""
What a variant costs now: its regular price and the best active promotion's price.

Loaded once per request (`ActivePromotions.load()`: three small queries), then asked per
product in memory, so a page of products costs no extra query per row. The cart and checkout
pricing (coupons, shipping, tax) builds on this in the orders work.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone

from catalog.models import Coupon, DiscountKind, Product, Promotion

CENT = Decimal("0.01")


def discounted(price: Decimal, *, kind: str, value: Decimal) -> Decimal:
    """The price after one discount, rounded to the cent and never below zero."""
    percentage = kind == DiscountKind.PERCENTAGE
    reduced = price * (Decimal(100) - value) / Decimal(100) if percentage else price - value
    return max(Decimal("0.00"), reduced.quantize(CENT, rounding=ROUND_HALF_UP))


def coupon_discount(coupon: Coupon, subtotal: Decimal) -> Decimal:
    """What `coupon` takes off `subtotal`: never more than the subtotal itself."""
    return subtotal - discounted(subtotal, kind=coupon.kind, value=coupon.value)


@dataclass
class ActivePromotions:
    promotions: list[Promotion] = field(default_factory=list)
    by_product: dict[int, list[Promotion]] = field(default_factory=dict)
    by_category_path: list[tuple[str, Promotion]] = field(default_factory=list)

    @classmethod
    def load(cls, *, now=None) -> "ActivePromotions":
        now = now or timezone.now()
        promotions = list(
            Promotion.objects.filter(is_active=True)
            .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now), Q(ends_at__isnull=True) | Q(ends_at__gt=now))
            .prefetch_related("products", "categories")
        )
        active = cls(promotions=promotions)
        for promotion in promotions:
            for product in promotion.products.all():
                active.by_product.setdefault(product.pk, []).append(promotion)
            for category in promotion.categories.all():
                active.by_category_path.append((category.path, promotion))
        return active

    def for_product(self, product: Product) -> list[Promotion]:
        """Promotions on the product itself or on its category or any category above it."""
        found = list(self.by_product.get(product.pk, []))
        category_path = product.category.path
        found += [promo for path, promo in self.by_category_path if category_path.startswith(path)]
        return found

    def sale_price(self, product: Product, price: Decimal | None) -> Decimal | None:
        """The best promotional price for `price`, or None when no promotion lowers it."""
        if price is None:
            return None
        best = min(
            (discounted(price, kind=promo.kind, value=promo.value) for promo in self.for_product(product)),
            default=None,
        )
        return best if best is not None and best < price else None

    def on_sale_filter(self) -> Q:
        """A queryset filter for products that some active promotion applies to."""
        condition = Q(pk__in=list(self.by_product))
        for path, _ in self.by_category_path:
            condition |= Q(category__path__startswith=path)
        return condition


def active_promotions_for(request) -> ActivePromotions:
    """The promotions active for this request, loaded once however many places ask."""
    cached = getattr(request, "_duka_active_promotions", None)
    if cached is None:
        cached = ActivePromotions.load()
        request._duka_active_promotions = cached
    return cached
