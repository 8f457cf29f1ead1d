"""
The repair desk: a ticket per device handed in, its history, notes, quotes and the parts it draws
from stock. States change only through `repairs.services` (the status machine is
`repairs/services/lifecycle.py`); stock moves only through `catalog.inventory`.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import MONEY, ProductVariant


class RepairStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    DIAGNOSING = "diagnosing", "Diagnosing"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    AWAITING_PARTS = "awaiting_parts", "Awaiting parts"
    IN_REPAIR = "in_repair", "In repair"
    READY_FOR_PICKUP = "ready_for_pickup", "Ready for pickup"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class DeviceType(models.TextChoices):
    PHONE = "phone", "Phone"
    TABLET = "tablet", "Tablet"
    LAPTOP = "laptop", "Laptop"
    OTHER = "other", "Other"


class RepairRequest(models.Model):
    """
    One device handed in for repair. The customer follows it with `tracking_code` (unguessable,
    e.g. RP-7F3K-9Q2M) with or without an account. Device passcodes are never taken: the customer
    unlocks the device at the counter when the technician needs it (`unlocks_at_counter`).
    """

    tracking_code = models.CharField(max_length=12, unique=True, help_text="e.g. RP-7F3K-9Q2M; the customer's key.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="repairs",
        help_text="The customer's account, when they were signed in.",
    )  # fmt: skip
    status = models.CharField(max_length=20, choices=RepairStatus.choices, default=RepairStatus.RECEIVED, db_index=True)
    status_changed_at = models.DateTimeField(default=timezone.now, help_text="When it entered its current status.")

    device_type = models.CharField(max_length=10, choices=DeviceType.choices)
    brand = models.CharField(max_length=60)
    model = models.CharField(max_length=100)
    serial_number = models.CharField(max_length=40, blank=True, help_text="Serial number or IMEI.")
    issue_description = models.TextField()
    condition_notes = models.TextField(blank=True, help_text="The device's condition at intake (scratches, cracks).")
    accessories = models.CharField(max_length=255, blank=True, help_text="What was left with it (charger, case, SIM).")
    unlocks_at_counter = models.BooleanField(
        default=False, help_text="The customer will unlock the device at the counter; passcodes are never stored."
    )

    contact_name = models.CharField(max_length=120)
    contact_phone = models.CharField(max_length=16, help_text="Normalised, e.g. 254712345678.")
    contact_email = models.EmailField()

    assigned_technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_repairs"
    )
    diagnosis = models.TextField(blank=True)
    promised_by = models.DateField(null=True, blank=True, help_text="The day the customer was promised it back.")

    estimated_cost = models.DecimalField(**MONEY, null=True, blank=True)
    # The total of the quote the customer approved (frozen with it); `final_cost` may not exceed it.
    approved_total = models.DecimalField(**MONEY, null=True, blank=True)
    final_cost = models.DecimalField(**MONEY, null=True, blank=True)
    amount_paid = models.DecimalField(**MONEY, default=Decimal("0.00"))
    amount_refunded = models.DecimalField(**MONEY, default=Decimal("0.00"))

    warranty_until = models.DateField(null=True, blank=True, help_text="Set when the repair is completed.")
    warranty_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="warranty_claims",
        help_text="The completed repair this ticket is a warranty claim on (no charge).",
    )  # fmt: skip

    needs_attention = models.BooleanField(default=False, db_index=True)
    attention_reason = models.CharField(max_length=1000, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["assigned_technician", "status"], name="repair_technician_status"),
            models.Index(fields=["user", "-created_at"], name="repair_user_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_cost__gte=0) | Q(estimated_cost__isnull=True), name="repair_estimate_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(final_cost__gte=0) | Q(final_cost__isnull=True), name="repair_final_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0, amount_refunded__gte=0, amount_refunded__lte=F("amount_paid")),
                name="repair_refunds_within_payments",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def is_warranty_claim(self) -> bool:
        return self.warranty_of_id is not None

    @property
    def charge(self) -> Decimal:
        """What the job costs the customer: the final cost once set, else the approved quote; nothing under warranty."""
        if self.is_warranty_claim:
            return Decimal("0.00")
        if self.final_cost is not None:
            return self.final_cost
        return self.approved_total if self.approved_total is not None else Decimal("0.00")

    @property
    def amount_due(self) -> Decimal:
        """What is left to pay (API.md): the charge less what was paid, never below zero."""
        return max(self.charge - self.amount_paid, Decimal("0.00"))

    @property
    def payment_status(self) -> str:
        """`unpaid`, `partially_paid`, `paid`, `partially_refunded` or `refunded` (repair bodies' `payment_status`)."""
        if self.amount_refunded > 0:
            return "refunded" if self.amount_refunded >= self.amount_paid else "partially_refunded"
        if self.amount_paid > 0:
            return "paid" if self.amount_paid >= self.charge else "partially_paid"
        return "paid" if self.charge == 0 and self.status == RepairStatus.COMPLETED else "unpaid"


class RepairStatusEvent(models.Model):
    """One step of a repair's history: written by the one transition function, never edited."""

    repair = models.ForeignKey(RepairRequest, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=RepairStatus.choices, blank=True)
    status = models.CharField(max_length=20, choices=RepairStatus.choices)
    note = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.repair_id}: {self.from_status or '∅'} → {self.status}"


class RepairNote(models.Model):
    """A technician's note: private to the desk, or public on the customer's tracking page."""

    repair = models.ForeignKey(RepairRequest, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    body = models.TextField()
    is_public = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{'public' if self.is_public else 'private'} note on {self.repair_id}"


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class RepairQuote(models.Model):
    """
    A version of the price of a repair. Staff edit the one draft; sending freezes it (a new draft
    is a new version), and the customer approves or declines what was sent. An approved quote is
    never changed: a revision is a new version that needs a new approval.
    """

    repair = models.ForeignKey(RepairRequest, on_delete=models.CASCADE, related_name="quotes")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT, db_index=True)
    note = models.TextField(blank=True)
    total = models.DecimalField(**MONEY, default=Decimal("0.00"))
    sent_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Who approved or declined it; empty when the customer used the tracking code.",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["repair_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["repair", "version"], name="repairquote_unique_version"),
            # One draft at a time, and at most one sent quote waiting for the customer's answer.
            models.UniqueConstraint(fields=["repair"], condition=Q(status="draft"), name="repairquote_one_draft"),
            models.UniqueConstraint(fields=["repair"], condition=Q(status="sent"), name="repairquote_one_sent"),
            models.CheckConstraint(condition=Q(total__gte=0), name="repairquote_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"quote v{self.version} of {self.repair_id} ({self.status})"


class QuoteLineKind(models.TextChoices):
    LABOUR = "labour", "Labour"
    PART = "part", "Part"


class RepairQuoteLine(models.Model):
    """Labour, or a part from the catalog (its price unless staff set another), on one quote version."""

    quote = models.ForeignKey(RepairQuote, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=10, choices=QuoteLineKind.choices)
    description = models.CharField(max_length=255)
    variant = models.ForeignKey(ProductVariant, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(**MONEY)
    line_total = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="repairquoteline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="repairquoteline_price_not_negative"),
            models.CheckConstraint(
                condition=Q(kind="labour", variant__isnull=True) | Q(kind="part", variant__isnull=False),
                name="repairquoteline_part_has_variant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.description}"


class PartState(models.TextChoices):
    RESERVED = "reserved", "Reserved"
    USED = "used", "Used"
    RELEASED = "released", "Released"


class RepairPart(models.Model):
    """
    Units of a variant held for a repair: reserved through `catalog.inventory` when its quote is
    approved, used (sold) when the repair is completed, released when it is cancelled or declined.
    """

    repair = models.ForeignKey(RepairRequest, on_delete=models.CASCADE, related_name="parts")
    quote = models.ForeignKey(RepairQuote, on_delete=models.PROTECT, null=True, blank=True, related_name="parts")
    variant = models.ForeignKey(ProductVariant, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=PartState.choices, default=PartState.RESERVED, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="repairpart_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.variant_id} for {self.repair_id} ({self.state})"
