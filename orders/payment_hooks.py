"""
The two moments an order needs its payment provider.

Payments depends on orders, not the reverse, so orders calls the functions that settings name:

- `ORDERS_AFTER_CHECKOUT(order=, phone=, actor=)`: right after checkout commits, e.g. to send
  the M-Pesa STK push; it must not raise for a gateway failure (the order exists either way).
- `ORDERS_REFUND_PROCESSOR(refund_id=)`: after a refund is recorded and committed, to give the
  money back through the gateway and report the outcome with `refund_mark_succeeded/sent/failed`.
- `ORDERS_REFUND_SETTLED(payment_id=)`: a refund of that payment went through (or came undone),
  inside the transaction that says so, so the payment's own state follows (`refunded` once all of
  it went back), whoever settled it: the gateway, a webhook, or staff recording a reversal.
- `ORDERS_PAID_BY(order=)`: the payments whose money is in the order's books, oldest first, as
  `[(payment_id, amount)]`, so a refund goes back to them (and never to a payment that came on top).
"""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from orders.models import Order, OrderRefund


def after_checkout(*, order: Order, phone: str, actor) -> None:
    path = getattr(settings, "ORDERS_AFTER_CHECKOUT", "")
    if path:
        import_string(path)(order=order, phone=phone, actor=actor)


def refund_process_on_commit(*, refund: OrderRefund) -> None:
    path = getattr(settings, "ORDERS_REFUND_PROCESSOR", "")
    if path:
        processor = import_string(path)
        transaction.on_commit(lambda: processor(refund_id=refund.pk))


def paid_by(*, order: Order) -> list[tuple[int, Decimal]]:
    path = getattr(settings, "ORDERS_PAID_BY", "")
    return list(import_string(path)(order=order)) if path else []


def refund_settled(*, refund: OrderRefund) -> None:
    path = getattr(settings, "ORDERS_REFUND_SETTLED", "")
    if path and refund.payment_id is not None:
        import_string(path)(payment_id=refund.payment_id)
