"""The orders' outbox events, one explicit call each (never a signal)."""

from core.events import event_record
from core.models import EventType
from orders.models import Order


def order_created(*, order: Order, actor) -> None:
    event_record(
        type=EventType.ORDER_CREATED,
        actor=actor,
        payload={"order_id": order.pk, "number": order.number, "total": str(order.total),
                 "currency": order.currency, "payment_method": order.payment_method},
    )  # fmt: skip


def status_changed(*, order: Order, actor, old: str, new: str, note: str) -> None:
    event_record(
        type=EventType.ORDER_STATUS_CHANGED,
        actor=actor,
        payload={"order_id": order.pk, "number": order.number, "from": old, "to": new, "note": note},
    )


def order_paid(*, order: Order, actor, amount, reference: str) -> None:
    event_record(
        type=EventType.ORDER_PAID,
        actor=actor,
        payload={"order_id": order.pk, "number": order.number, "amount": str(amount), "reference": reference},
    )
