from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from treebeard.mp_tree import MP_Node

MONEY = {"max_digits": 12, "decimal_places": 2}


class Category(MP_Node):
    """A node of the category tree; materialized paths make "this and everything below" one query."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True)
    image = models.ImageField(upload_to="categories/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    node_order_by = ["name"]

    class Meta:
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    brand = models.CharField(max_length=100, blank=True, db_index=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    tags = models.ManyToManyField(Tag, blank=True, related_name="products")
    specifications = models.JSONField(default=dict, blank=True, help_text='e.g. {"RAM": "8 GB"}')
    meta_title = models.CharField(max_length=200, blank=True)
    meta_description = models.CharField(max_length=320, blank=True)
    is_active = models.BooleanField(default=True, db_index=True)
    # Kept up to date by the reviews and orders services, so lists can sort by them cheaply.
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0.00"))
    rating_count = models.PositiveIntegerField(default=0)
    units_sold = models.PositiveIntegerField(default=0, db_index=True)
    # PostgreSQL only: name, brand, SKUs, tags and description as one weighted document, kept
    # current by database triggers (migration 0004) and searched through a GIN index. Stays
    # empty on SQLite, where search falls back to substring matching.
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ProductVariant(models.Model):
    """
    A buyable SKU. Its stock columns are changed only by `catalog.inventory`; the database's
    CHECK constraints make negative stock or over-reservation impossible whatever the code does.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=120, blank=True)
    attributes = models.JSONField(default=dict, blank=True, help_text='e.g. {"size": "M", "color": "Blue"}')
    price = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0"))])
    stock_quantity = models.IntegerField(default=0, help_text="Units on hand.")
    reserved_quantity = models.IntegerField(
        default=0, help_text="Units held for unpaid or unaccepted orders and for approved repairs."
    )
    reorder_point = models.PositiveIntegerField(default=5)
    reorder_quantity = models.PositiveIntegerField(default=20)
    # Set when staff were told the variant fell to its reorder point; cleared when it recovers,
    # so each crossing sends one email.
    low_stock_notified_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock_quantity__gte=0), name="variant_stock_not_negative"),
            models.CheckConstraint(condition=Q(reserved_quantity__gte=0), name="variant_reserved_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved_quantity__lte=F("stock_quantity")), name="variant_reserved_within_stock"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="variant_price_not_negative"),
            # "abc-1" and "ABC-1" are one SKU on a label and to the checks: the database agrees, even in a race.
            models.UniqueConstraint(Lower("sku"), name="variant_sku_ci_unique"),
        ]
        indexes = [
            # A product's lowest active price (list rows, price filters and ordering) is one index probe.
            models.Index(fields=["product", "price"], condition=Q(is_active=True), name="variant_active_price"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} ({self.name})" if self.name else self.sku

    @property
    def available(self) -> int:
        return self.stock_quantity - self.reserved_quantity


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/%Y/%m/")
    medium = models.ImageField(upload_to="products/%Y/%m/", blank=True)
    thumbnail = models.ImageField(upload_to="products/%Y/%m/", blank=True)
    alt_text = models.CharField(max_length=200, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    is_primary = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product"], condition=Q(is_primary=True), name="productimage_one_primary_per_product"
            ),
        ]

    def __str__(self) -> str:
        return self.alt_text or f"image {self.pk} of {self.product_id}"


class PriceHistory(models.Model):
    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, related_name="price_history")
    old_price = models.DecimalField(**MONEY)
    new_price = models.DecimalField(**MONEY)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name_plural = "price history"

    def __str__(self) -> str:
        return f"{self.variant_id}: {self.old_price} → {self.new_price}"


class DiscountKind(models.TextChoices):
    PERCENTAGE = "percentage", "Percentage"
    FIXED = "fixed", "Fixed amount"


def _discount_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(condition=Q(kind__in=DiscountKind.values), name=f"{prefix}_kind_known"),
        models.CheckConstraint(condition=Q(value__gte=0), name=f"{prefix}_value_not_negative"),
        models.CheckConstraint(
            condition=Q(kind=DiscountKind.FIXED) | Q(value__lte=100), name=f"{prefix}_percentage_at_most_100"
        ),
        models.CheckConstraint(
            condition=Q(ends_at__isnull=True) | Q(starts_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
            name=f"{prefix}_ends_after_start",
        ),
    ]


class Promotion(models.Model):
    """A time-boxed discount on products and/or whole categories; the best active one sets `sale_price`."""

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=DiscountKind.choices)
    value = models.DecimalField(**MONEY)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    products = models.ManyToManyField(Product, blank=True, related_name="promotions")
    categories = models.ManyToManyField(Category, blank=True, related_name="promotions")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = _discount_constraints("promotion")

    def __str__(self) -> str:
        return self.name


class Coupon(models.Model):
    code = models.CharField(max_length=40, unique=True, help_text="Stored upper-case; matched case-insensitively.")
    kind = models.CharField(max_length=12, choices=DiscountKind.choices)
    value = models.DecimalField(**MONEY)
    min_subtotal = models.DecimalField(**MONEY, default=Decimal("0.00"))
    max_uses = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited.")
    max_uses_per_customer = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited.")
    times_used = models.PositiveIntegerField(default=0)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = _discount_constraints("coupon")

    def __str__(self) -> str:
        return self.code


class MovementReason(models.TextChoices):
    RESTOCK = "restock", "Restock"
    CORRECTION = "correction", "Correction"
    DAMAGE = "damage", "Damage"
    RETURN = "return", "Return"
    SALE = "sale", "Sale"
    RESERVATION = "reservation", "Reservation"
    RELEASE = "release", "Release"
    CANCELLATION = "cancellation", "Cancellation"
    # Parts held for, released from or used by a repair (the movement's `repair_id` says which).
    REPAIR = "repair", "Repair"


class StockMovement(models.Model):
    """
    One change of a variant's stock, written by `catalog.inventory` in the same transaction.

    `delta` is the change of units on hand; `reserved_delta` the change of units reserved. A
    reservation moves only `reserved_delta`; a sale takes the units from both.
    """

    variant = models.ForeignKey(ProductVariant, on_delete=models.PROTECT, related_name="movements")
    delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    reason = models.CharField(max_length=16, choices=MovementReason.choices, db_index=True)
    # The orders app depends on catalog, not the reverse: the order is referenced by id.
    order_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Likewise the repair desk: the repair whose parts moved, by id (repairs depends on catalog).
    repair_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["variant", "-created_at"], name="movement_variant_created")]

    def __str__(self) -> str:
        return f"{self.reason} {self.delta:+d} on {self.variant_id}"


class CouponRedemption(models.Model):
    """One use of a coupon by an order; counts the per-customer limit and gives the use back on cancellation."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="coupon_redemptions"
    )
    # The orders app depends on catalog, not the reverse: the order is referenced by id.
    order_id = models.BigIntegerField(db_index=True)
    discount = models.DecimalField(**MONEY, default=Decimal("0.00"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["coupon", "order_id"], name="coupon_redeemed_once_per_order")]

    def __str__(self) -> str:
        return f"{self.coupon_id} on order {self.order_id}"


class Review(models.Model):
    """
    A customer's rating of a product they bought (the orders app checks the purchase). Staff can
    hide one; the product's `rating_average` and `rating_count` count visible reviews only.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=120, blank=True)
    body = models.TextField(blank=True)
    verified_purchase = models.BooleanField(default=True)
    is_visible = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "user"], name="review_one_per_customer_and_product"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ on {self.product_id} by {self.user_id}"
