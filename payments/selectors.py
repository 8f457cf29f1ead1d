"""Reads about payments worth naming: which payments paid an order, and what waits for staff."""

from decimal import Decimal

from orders.models import Order
from payments.models import Payment, PaymentStatus

MONEY_IN = (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)


def order_paid_by(*, order: Order) -> list[tuple[int, Decimal]]:
    """
    The payments whose money is in `order`'s books, oldest first, with what each took
    (`ORDERS_PAID_BY`): not a payment that came on top of an already paid order (`extra`).
    """
    return list(
        Payment.objects.filter(order_id=order.pk, status__in=MONEY_IN, extra=False)
        .order_by("completed_at", "id")
        .values_list("pk", "amount")
    )
