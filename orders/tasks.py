from celery import shared_task

from orders.services.lifecycle import reservations_expire as expire


@shared_task(name="orders.tasks.reservations_expire")
def reservations_expire() -> int:
    """Every minute (beat): fail unpaid prepaid orders whose reservation ran out, freeing their stock."""
    return expire()
