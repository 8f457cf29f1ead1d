"""
The one pricing module: what a variant costs now, whether it can be bought, and what a cart or
an order adds up to (subtotal, coupon discount, shipping, tax, total). The cart and checkout both
call `price_lines` and `totals`, so what the cart shows is what the order charges.

Promotions are loaded once per request (`ActivePromotions.load()`: at most three small queries), then
asked per product in memory, so a page of products costs no extra query per row.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone

from catalog.models import Coupon, DiscountKind, Product, ProductVariant, Promotion
from core.store import StoreConfig

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
            Promotion.objects.filter(is_active=True).filter(
                Q(starts_at__isnull=True) | Q(starts_at__lte=now), Q(ends_at__isnull=True) | Q(ends_at__gt=now)
            )
        )
        active = cls(promotions=promotions)
        if not promotions:
            return active
        by_id = {promotion.pk: promotion for promotion in promotions}
        # Only the ids and paths: a promotion may cover thousands of products.
        on_products = Promotion.products.through.objects.filter(promotion_id__in=by_id)
        for promotion_id, product_id in on_products.values_list("promotion_id", "product_id"):
            active.by_product.setdefault(product_id, []).append(by_id[promotion_id])
        on_categories = Promotion.categories.through.objects.filter(promotion_id__in=by_id)
        for promotion_id, path in on_categories.values_list("promotion_id", "category__path"):
            active.by_category_path.append((path, by_id[promotion_id]))
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


# --- Lines and totals -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PricedLine:
    variant: ProductVariant
    quantity: int
    unit_price: Decimal  # after the best promotion
    regular_price: Decimal

    @property
    def line_total(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(CENT)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount_total: Decimal
    shipping_fee: Decimal
    tax_total: Decimal
    total: Decimal
    currency: str


def unit_price(variant: ProductVariant, *, promotions: ActivePromotions) -> Decimal:
    """What one unit of `variant` costs now. `variant.product.category` should be loaded."""
    sale = promotions.sale_price(variant.product, variant.price)
    return variant.price if sale is None else sale


def price_lines(items: Iterable[tuple[ProductVariant, int]], *, promotions: ActivePromotions) -> list[PricedLine]:
    return [
        PricedLine(variant=variant, quantity=quantity, unit_price=unit_price(variant, promotions=promotions),
                   regular_price=variant.price)
        for variant, quantity in items
    ]  # fmt: skip


# --- Can it be bought ---------------------------------------------------------------------------------
# The one statement of what the shop still sells, for objects and (the `_q` twins) for querysets.
# Every app asks here: the catalog's lists, the cart, checkout and the stock door, wishlists,
# recommendations and the demo data. Price and stock are separate questions (`purchase_problem`).


def product_sellable_q(prefix: str = "") -> Q:
    """Products still sold, as a filter; `prefix` is the path to the product, e.g. "product__"."""
    return Q(**{f"{prefix}is_active": True})


def product_sellable(product: Product) -> bool:
    """Whether `product` is still sold (`product_sellable_q` in Python)."""
    return product.is_active


def variant_sellable_q(prefix: str = "") -> Q:
    """Variants still sold, as a filter: the variant and its product active. `prefix`: the path to the variant."""
    return Q(**{f"{prefix}is_active": True}) & product_sellable_q(f"{prefix}product__")


def variant_sellable(variant: ProductVariant | None) -> bool:
    """Whether `variant` is still sold (`variant_sellable_q` in Python); None (unknown) is not."""
    return variant is not None and variant.is_active and product_sellable(variant.product)


def sellable_units(variant: ProductVariant | None) -> int:
    """How many units of `variant` could be bought now: what is available, 0 when it is no longer sold."""
    return max(0, variant.available) if variant_sellable(variant) else 0


def purchase_problem(variant: ProductVariant | None, quantity: int, *, store: StoreConfig) -> str | None:
    """
    Why `quantity` of `variant` cannot be bought now, as an error code, or None when it can:
    `out_of_stock` (unknown, no longer sold, or more than is available) or `quantity_limit`.
    """
    if not variant_sellable(variant):
        return "out_of_stock"
    if quantity > store.max_quantity_per_line:
        return "quantity_limit"
    if quantity > variant.available:
        return "out_of_stock"
    return None


def totals(*, lines: Sequence[PricedLine], coupon: Coupon | None, county: str | None, store: StoreConfig) -> Totals:
    """
    Add up `lines`. The coupon comes off the goods; shipping is the zone fee of `county` (else the
    flat fee), free when the goods after discount reach the threshold, nothing for an empty cart.
    Tax is on goods and shipping: extracted from the total when prices include it, else added.
    """
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    discount = coupon_discount(coupon, subtotal) if coupon is not None else Decimal("0.00")
    goods = subtotal - discount
    threshold = store.free_shipping_threshold
    ships_free = not lines or (threshold is not None and goods >= threshold)
    shipping = Decimal("0.00") if ships_free else store.zone_fee(county)
    rate = store.tax_rate
    if store.prices_include_tax:
        total = goods + shipping
        tax = (total * rate / (Decimal(100) + rate)).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        tax = ((goods + shipping) * rate / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)
        total = goods + shipping + tax
    return Totals(
        subtotal=subtotal.quantize(CENT),
        discount_total=discount.quantize(CENT),
        shipping_fee=shipping.quantize(CENT),
        tax_total=tax,
        total=total.quantize(CENT),
        currency=store.currency,
    )
