from celery import shared_task

from cart import services


@shared_task
def carts_purge_idle() -> int:
    """Run by beat (config/settings.py): anonymous carts idle for 30 days are litter; returns how many went."""
    return services.carts_purge_idle()
