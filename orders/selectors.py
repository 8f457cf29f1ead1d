from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import User
from orders.models import Order, OrderRefund, OrderStatusEvent


def order_list(*, user: User) -> QuerySet[Order]:
    """
    The orders `user` may see: every order for staff, their own for anyone else. The one place
    that decides ownership; with its lines and history prefetched, a page costs the same few
    queries whatever its size.
    """
    orders = Order.objects.annotate(refund_needs_attention=refunds_flagged()).prefetch_related(
        "lines",
        Prefetch("history", queryset=OrderStatusEvent.objects.select_related("actor")),
        # The payments app's rows (`Payment.order`, related name "payments"), oldest first.
        Prefetch("payments", queryset=Order.payments.rel.related_model.objects.order_by("created_at", "id")),
    )
    return orders if user.is_staff_role else orders.filter(user=user)


def order_search(orders: QuerySet[Order], *, text: str) -> QuerySet[Order]:
    """Orders whose number, email or phone (the order's or the account's) contains `text`: staff look up a caller."""
    text = text.strip()[:100]
    if not text:
        return orders
    return orders.filter(
        Q(number__icontains=text) | Q(email__icontains=text) | Q(phone__icontains=text) | Q(user__phone__icontains=text)
    )


def refunds_flagged() -> Exists:
    """Whether one of the order's refunds waits for a person (a reversal to make, a failure to settle)."""
    return Exists(OrderRefund.objects.filter(order=OuterRef("pk")).exclude(attention=""))


def order_flagged() -> Q:
    """Orders that need a person: flagged themselves, or through a refund (`order_list` annotates it)."""
    return Q(needs_attention=True) | Q(refund_needs_attention=True)
