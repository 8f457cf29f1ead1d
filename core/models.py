from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class EventType(models.TextChoices):
    """The domain events of API.md ("Webhooks and events")."""

    ORDER_CREATED = "order.created"
    ORDER_STATUS_CHANGED = "order.status_changed"
    ORDER_PAID = "order.paid"
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"
    STOCK_LOW = "stock.low"
    REPAIR_STATUS_CHANGED = "repair.status_changed"
    USER_REGISTERED = "user.registered"


class Event(models.Model):
    """
    A domain event, written in the same transaction as the change it reports (an outbox): it
    exists exactly when the change does. Kept as the audit trail; webhook delivery reads from here.
    """

    type = models.CharField(max_length=40, choices=EventType.choices, db_index=True)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} at {self.occurred_at:%Y-%m-%d %H:%M}"
