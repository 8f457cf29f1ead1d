"""The payments' outbox events, one explicit call each."""

from core.events import event_record
from core.models import EventType
from payments.models import Payment


def _payload(payment: Payment) -> dict:
    return {
        "payment_id": payment.pk,
        "order_id": payment.order_id,
        "repair_id": payment.repair_id,
        "method": payment.method,
        "amount": str(payment.amount),
        "currency": payment.currency,
    }


def payment_succeeded(*, payment: Payment, actor=None) -> None:
    event_record(
        type=EventType.PAYMENT_SUCCEEDED,
        actor=actor,
        payload={**_payload(payment), "reference": payment.provider_reference},
    )


def payment_failed(*, payment: Payment, actor=None) -> None:
    event_record(
        type=EventType.PAYMENT_FAILED,
        actor=actor,
        payload={**_payload(payment), "reason": payment.failure_reason, "code": payment.result_code},
    )
