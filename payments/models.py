from django.db import models
from django.db.models import Q

from catalog.models import MONEY
from core.models import PaymentMethod
from orders.models import Order


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"


class GatewayKind(models.TextChoices):
    MPESA = "mpesa", "M-Pesa (Daraja)"
    STRIPE = "stripe", "Stripe"
    CASH = "cash", "Cash"
    SIMULATED = "simulated", "Simulated"


class Payment(models.Model):
    """
    One attempt to pay an order: an STK push, a card PaymentIntent, cash collected. Its state is
    changed only by `payments.services`, with the row locked, so a callback, a status query and
    the simulator can race without counting money twice.
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, null=True, blank=True, related_name="payments")
    # A repair is referenced by id, as the repairs app's models do not import payments; the payment
    # services reach repairs through `repairs.services.payments`, as they reach orders.
    repair_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    method = models.CharField(max_length=8, choices=PaymentMethod.choices)
    gateway = models.CharField(max_length=10, choices=GatewayKind.choices)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING, db_index=True
    )
    provider_reference = models.CharField(
        max_length=64, blank=True, help_text="M-Pesa receipt, Stripe PaymentIntent, or the cash receipt."
    )
    checkout_request_id = models.CharField(max_length=64, blank=True, help_text="Daraja's CheckoutRequestID.")
    merchant_request_id = models.CharField(max_length=64, blank=True)
    # Stripe's PaymentIntent secret, handed to the customer's browser to confirm the card; kept so a
    # retried request (same Idempotency-Key) can hand it out again. Never shown in lists or logs.
    client_secret = models.CharField(max_length=255, blank=True)
    phone = models.CharField(max_length=16, blank=True)
    result_code = models.CharField(max_length=60, blank=True, help_text="The gateway's own result code.")
    failure_reason = models.CharField(max_length=255, blank=True)
    needs_attention = models.BooleanField(default=False, db_index=True)
    attention_reason = models.CharField(max_length=1000, blank=True)
    extra = models.BooleanField(
        default=False, help_text="Paid after its order was already paid: not in the order's books, to be given back."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One payment per Daraja request and per receipt: a duplicate callback finds the one it belongs to.
            models.UniqueConstraint(
                fields=["checkout_request_id"], condition=~Q(checkout_request_id=""), name="payment_unique_checkout"
            ),
            models.UniqueConstraint(
                fields=["gateway", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="payment_unique_provider_reference",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(order__isnull=False) | Q(repair_id__isnull=False), name="payment_for_order_or_repair"
            ),
        ]
        indexes = [models.Index(fields=["status", "method", "created_at"], name="payment_status_method_created")]

    def __str__(self) -> str:
        return f"{self.method} {self.amount} ({self.status})"


class NotificationOutcome(models.TextChoices):
    RECEIVED = "received", "Received"
    APPLIED = "applied", "Applied"
    DUPLICATE = "duplicate", "Duplicate (nothing changed)"
    FLAGGED = "flagged", "Flagged for staff"
    UNKNOWN = "unknown", "No matching payment"
    MALFORMED = "malformed", "Malformed"
    REJECTED = "rejected", "Rejected (signature or address)"
    IGNORED = "ignored", "Ignored (not an event we act on)"


class GatewayNotification(models.Model):
    """
    Every callback and webhook received, stored raw before it is read, kept for audit: what
    Safaricom or Stripe sent, from where, and what Duka did with it.
    """

    gateway = models.CharField(max_length=10, choices=GatewayKind.choices)
    body = models.TextField()
    headers = models.JSONField(default=dict)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=NotificationOutcome.choices, default=NotificationOutcome.RECEIVED)
    note = models.CharField(max_length=255, blank=True)
    reference = models.CharField(max_length=100, blank=True, db_index=True, help_text="CheckoutRequestID or event id.")
    payment = models.ForeignKey(Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.gateway} {self.outcome} at {self.received_at:%Y-%m-%d %H:%M:%S}"
