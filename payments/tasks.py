import logging

from celery import shared_task

from payments import services

logger = logging.getLogger("payments")


@shared_task(name="payments.tasks.mpesa_reconcile")
def mpesa_reconcile() -> dict[str, int]:
    """Every minute (beat): ask M-Pesa about payments whose callback has not arrived."""
    return services.mpesa_reconcile()


@shared_task(bind=True, name="payments.tasks.refund_process", max_retries=5)
def refund_process(self, *, refund_id: int) -> None:
    """Give a refund's money back through its gateway; an unanswered call is asked again, backing off."""
    try:
        services.refund_through_gateway(refund_id=refund_id)
    except services.RefundNotConfirmed as error:
        # Inline (no broker), retrying would hold the request; staff retry from the admin instead.
        if self.request.is_eager or self.request.retries >= self.max_retries:
            services.refund_unconfirmed(refund_id=refund_id, reason=str(error))
            return
        raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error
