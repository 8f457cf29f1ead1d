"""
The moments a repair needs its payment provider, as `orders/payment_hooks.py` gives them to orders.

Payments depends on repairs (it imports `repairs.services.payments`), not the reverse, so repairs
calls the functions that settings name:

- `REPAIRS_CASH_PAYMENT(repair=, amount=, actor=)`: record cash taken at the counter as a succeeded
  payment of the repair, inside the caller's transaction; returns the payment's id.
- `REPAIRS_PAID_BY(repair=)`: the payments whose money is in the repair's books, oldest first, as
  `[(payment_id, amount)]`, so a refund goes back to them (never to a payment that came on top).

A refund's money goes back through the orders' hook (`orders.payment_hooks.refund_process_on_commit`):
repairs and orders share the refund rows, the gateways and the settling.
"""

from decimal import Decimal

from django.conf import settings
from django.utils.module_loading import import_string

from repairs.models import RepairRequest


def cash_payment_record(*, repair: RepairRequest, amount: Decimal, actor) -> int:
    path = getattr(settings, "REPAIRS_CASH_PAYMENT", "")
    assert path, "Set REPAIRS_CASH_PAYMENT to the function that records a cash payment of a repair."
    return import_string(path)(repair=repair, amount=amount, actor=actor)


def paid_by(*, repair: RepairRequest) -> list[tuple[int, Decimal]]:
    path = getattr(settings, "REPAIRS_PAID_BY", "")
    return list(import_string(path)(repair=repair)) if path else []
