"""
What customers bought, read from paid orders: who may review a product, and what to recommend
beside it. Read-only selectors; each answers in a fixed number of queries.

An order counts once its money is in: `paid`, and still `partially_refunded` (the customer kept
part of it). Pending, failed and fully refunded orders count for nothing, so an unpaid checkout
cannot unlock a review or push a product up the recommendations.
"""

from collections.abc import Sequence

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet, Sum

from accounts.models import User
from catalog.models import Product
from catalog.pricing import product_sellable_q
from orders.models import OrderLine, OrderPaymentStatus

PAID_PAYMENT_STATUSES = (OrderPaymentStatus.PAID, OrderPaymentStatus.PARTIALLY_REFUNDED)
RECOMMENDATIONS_LIMIT = 8


def _paid_lines() -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(order__payment_status__in=PAID_PAYMENT_STATUSES)


def customer_bought(*, user: User | AnonymousUser | None, product: Product) -> bool:
    """Whether `user` has a paid order with `product` in it (any of its variants)."""
    if user is None or not user.is_authenticated:
        return False
    return _paid_lines().filter(order__user=user, product=product).exists()


def bought_together(*, product: Product, limit: int) -> list[int]:
    """
    Ids of active products found in the same paid orders as `product`: the most shared orders
    first, then the most units in them, then the newest product. One query.
    """
    if limit <= 0:
        return []
    # A subquery of order ids, not a join on the order's lines: an order holding two variants
    # of `product` must count once, and must not double the other products' units.
    orders_with_product = _paid_lines().filter(product=product).values("order_id")
    rows = (
        OrderLine.objects.filter(product_sellable_q("product__"), order_id__in=orders_with_product)
        .exclude(product=product)
        .values("product_id", "product__created_at")
        .annotate(shared_orders=Count("order_id", distinct=True), units=Sum("quantity"))
        .order_by("-shared_orders", "-units", "-product__created_at", "-product_id")
        .values_list("product_id", flat=True)[:limit]
    )
    return list(rows)


def category_best_sellers(*, product: Product, limit: int, exclude: Sequence[int] = ()) -> list[int]:
    """
    Ids of the best-selling active products of `product`'s category and the categories below it,
    `product` and `exclude` left out. Products that never sold still fill the list, newest first,
    so a young category recommends something. One query.
    """
    if limit <= 0:
        return []
    rows = (
        Product.objects.filter(product_sellable_q(), category__path__startswith=product.category.path)
        .exclude(pk__in=[product.pk, *exclude])
        .order_by("-units_sold", "-created_at", "-id")
        .values_list("pk", flat=True)[:limit]
    )
    return list(rows)


def recommendations(*, product: Product, limit: int = RECOMMENDATIONS_LIMIT) -> list[int]:
    """
    Ids of up to `limit` products to show beside `product`, best first: what was bought with it,
    topped up with its category's best sellers. Two queries (three when `product.category` is not
    loaded yet).
    """
    chosen = bought_together(product=product, limit=limit)
    return chosen + category_best_sellers(product=product, limit=limit - len(chosen), exclude=chosen)
