from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from catalog.models import MONEY, Coupon, Product, ProductVariant
from core.models import PaymentMethod


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    PROCESSING = "processing", "Processing"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"
    REFUNDED = "refunded", "Refunded"


class OrderPaymentStatus(models.TextChoices):
    UNPAID = "unpaid", "Unpaid"
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    FAILED = "failed", "Failed"
    REFUNDED = "refunded", "Refunded"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"


class StockState(models.TextChoices):
    """Where the order's units are: held for it, sold to it, or back on the shelf."""

    RESERVED = "reserved", "Reserved"
    SOLD = "sold", "Sold"
    RELEASED = "released", "Released"


class Order(models.Model):
    number = models.CharField(max_length=12, unique=True, help_text="Human-friendly, e.g. DK-7F3K-9Q2M.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    email = models.EmailField(help_text="The customer's email when the order was placed.")
    phone = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=12, choices=OrderStatus.choices, default=OrderStatus.PENDING, db_index=True)
    payment_status = models.CharField(
        max_length=20, choices=OrderPaymentStatus.choices, default=OrderPaymentStatus.UNPAID, db_index=True
    )
    payment_method = models.CharField(max_length=8, choices=PaymentMethod.choices)
    stock_state = models.CharField(max_length=10, choices=StockState.choices, default=StockState.RESERVED)

    subtotal = models.DecimalField(**MONEY)
    discount_total = models.DecimalField(**MONEY, default=Decimal("0.00"))
    shipping_fee = models.DecimalField(**MONEY, default=Decimal("0.00"))
    tax_total = models.DecimalField(**MONEY, default=Decimal("0.00"))
    total = models.DecimalField(**MONEY)
    # The tax rule the totals were computed with: invoices stay right after the store's settings change.
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0.00"))
    prices_include_tax = models.BooleanField(default=True)
    amount_paid = models.DecimalField(**MONEY, default=Decimal("0.00"))
    amount_refunded = models.DecimalField(**MONEY, default=Decimal("0.00"))
    currency = models.CharField(max_length=3)
    coupon = models.ForeignKey(Coupon, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders")
    coupon_code = models.CharField(max_length=40, blank=True)

    shipping_address = models.JSONField(help_text="A copy of the address at checkout.")
    # Copied out of the address for zone matching and the regions report.
    shipping_county = models.CharField(max_length=100, blank=True, db_index=True)
    customer_note = models.TextField(blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    carrier = models.CharField(max_length=100, blank=True)

    reserved_until = models.DateTimeField(
        null=True, blank=True, help_text="An unpaid prepaid order fails and frees its stock after this."
    )
    # The order's own flags (stock gone after payment, money for a cancelled order, a staff note),
    # each reason kept beside the others; a refund's flag is the refund's own (`OrderRefund.attention`).
    needs_attention = models.BooleanField(default=False, db_index=True)
    attention_reason = models.CharField(max_length=1000, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="order_user_created"),
            # The reservation-expiry job's scan: pending prepaid orders by deadline.
            models.Index(fields=["reserved_until"], condition=Q(status="pending"), name="order_pending_deadline"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    subtotal__gte=0, discount_total__gte=0, shipping_fee__gte=0, tax_total__gte=0, total__gte=0
                ),
                name="order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0, amount_refunded__lte=F("amount_paid")),
                name="order_refunds_within_payments",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_prepaid(self) -> bool:
        return self.payment_method != PaymentMethod.COD

    @property
    def refundable_amount(self) -> Decimal:
        return self.amount_paid - self.amount_refunded


class OrderLine(models.Model):
    """A snapshot of what was bought: later catalog changes never touch it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    variant = models.ForeignKey(ProductVariant, on_delete=models.PROTECT, related_name="+")
    product_name = models.CharField(max_length=200)
    variant_name = models.CharField(max_length=120, blank=True)
    sku = models.CharField(max_length=64)
    unit_price = models.DecimalField(**MONEY)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(**MONEY)
    quantity_restocked = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orderline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_restocked__lte=F("quantity")), name="orderline_restock_within_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class OrderStatusEvent(models.Model):
    """One step of an order's history: written by the one transition function, never edited."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=12, choices=OrderStatus.choices, blank=True)
    status = models.CharField(max_length=12, choices=OrderStatus.choices)
    note = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status or '∅'} → {self.status}"


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending (money not yet returned)"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class OrderRefund(models.Model):
    """
    Money given back on an order, to one payment. The order's books move when it is recorded (a
    refund larger than one payment took is recorded as one row per payment); the money itself goes
    back through that payment's gateway (Stripe, an M-Pesa reversal made in the portal), which the
    payments app does and reports here (`status`, `provider_reference`, `attention`). A refund of an
    extra payment (one that came on top of an already paid order) gives it back without touching the
    order's books. A repair's refunds are these rows too (`repair_id` instead of `order`): the same
    gateways, settling and flags serve both (`repairs/services/payments.py` records them).
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, null=True, blank=True, related_name="refunds")
    # A repair is referenced by id: orders knows nothing of the repairs app (repairs records these rows).
    repair_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # The payments app depends on orders, not the reverse: the payment is referenced by id. Empty
    # for money recorded as paid with no payment behind it (settled by hand).
    payment_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    extra_payment = models.BooleanField(
        default=False, help_text="Gives back a payment that came on top of a paid order: not in the order's books."
    )
    amount = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=500)
    restocked = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING, db_index=True)
    provider_reference = models.CharField(
        max_length=100, blank=True, db_index=True, help_text="Stripe refund or M-Pesa reversal."
    )
    failure_reason = models.CharField(max_length=255, blank=True)
    attention = models.CharField(
        max_length=500, blank=True, help_text="What a person must do to settle it; empty when nothing."
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="orderrefund_amount_positive"),
            models.CheckConstraint(
                condition=(
                    Q(order__isnull=False, repair_id__isnull=True) | Q(order__isnull=True, repair_id__isnull=False)
                ),
                name="orderrefund_of_order_or_repair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} on {self.order_id or f'repair {self.repair_id}'}"
