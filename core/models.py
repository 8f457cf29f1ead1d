from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
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


MONEY = {"max_digits": 12, "decimal_places": 2}


class PaymentMethod(models.TextChoices):
    MPESA = "mpesa", "M-Pesa"
    CARD = "card", "Card"
    COD = "cod", "Cash on delivery"


def _all_payment_methods() -> list[str]:
    return list(PaymentMethod.values)


class StoreSettings(models.Model):
    """
    The shop's one settings record (primary key 1, a CHECK constraint keeps it single). Read it
    through `core.store.store_config()`, which caches it until the next save.
    """

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    name = models.CharField(max_length=100, default="Duka")
    currency = models.CharField(max_length=3, default="KES", help_text="ISO 4217 code, e.g. KES.")
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    address = models.TextField(blank=True)
    tax_rate = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("16.00"), help_text="Percent, e.g. 16.00 for Kenya's VAT."
    )
    prices_include_tax = models.BooleanField(default=True, help_text="Catalog prices already include the tax.")
    shipping_flat_fee = models.DecimalField(**MONEY, default=Decimal("300.00"), help_text="For addresses in no zone.")
    free_shipping_threshold = models.DecimalField(
        **MONEY, null=True, blank=True, default=Decimal("10000.00"),
        help_text="Goods (after discounts) worth at least this ship free; empty: never free.",
    )  # fmt: skip
    payment_methods = models.JSONField(
        default=_all_payment_methods,
        help_text='The methods the shop takes, e.g. ["mpesa", "cod"]; checkout offers those of them this server '
        "is set up for (M-Pesa: Daraja's settings, card: Stripe's, or PAYMENTS_SIMULATION; cash: always).",
    )
    max_quantity_per_line = models.PositiveSmallIntegerField(default=10)
    reservation_minutes = models.PositiveSmallIntegerField(
        default=15, help_text="How long an unpaid prepaid order holds its stock."
    )
    repair_warranty_days = models.PositiveSmallIntegerField(
        default=90, help_text="How long a completed repair is under warranty, in days from its completion."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "store settings"
        verbose_name_plural = "store settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="storesettings_single_row"),
            models.CheckConstraint(
                condition=models.Q(tax_rate__gte=0, tax_rate__lte=100), name="storesettings_tax_rate_percent"
            ),
            models.CheckConstraint(condition=models.Q(shipping_flat_fee__gte=0), name="storesettings_fee_not_negative"),
            models.CheckConstraint(
                condition=models.Q(max_quantity_per_line__gte=1), name="storesettings_line_limit_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(reservation_minutes__gte=1), name="storesettings_reservation_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(repair_warranty_days__lte=3650), name="storesettings_warranty_within_ten_years"
            ),
        ]

    def __str__(self) -> str:
        return f"Settings of {self.name}"

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_ID
        super().save(*args, **kwargs)
        _forget_store_config()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _forget_store_config()
        return result


class ShippingZone(models.Model):
    """A delivery fee for a set of counties; an address in no zone pays the flat fee."""

    name = models.CharField(max_length=100, unique=True)
    counties = models.JSONField(default=list, help_text='Canonical county names, e.g. ["Nairobi", "Kiambu"].')
    fee = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(fee__gte=0), name="shippingzone_fee_not_negative")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        _forget_store_config()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        _forget_store_config()
        return result


def _forget_store_config() -> None:
    # Cache invalidation, not a business rule: every way of saving (admin, API, shell) must drop
    # the cached copy, and only once the change is visible to other connections.
    from core.store import store_config_forget

    transaction.on_commit(store_config_forget)


class IdempotencyKey(models.Model):
    """
    A client's `Idempotency-Key` for one kind of request. A replay with the same key by the same
    user answers with the resource the first request made instead of making another; the row is
    written in the same transaction as that resource, so a request that failed left no key behind.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=40, help_text='The kind of request, e.g. "orders.place".')
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the request body, to catch a reused key.")
    resource_id = models.BigIntegerField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(default=201)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotencykey_unique_per_user_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
