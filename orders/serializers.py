from rest_framework import serializers

from accounts.serializers import AddressSerializer
from core.models import PaymentMethod
from core.phones import PhoneNumberField
from core.serializers import MAX_ID, money_field
from orders.models import Order, OrderLine, OrderStatus, OrderStatusEvent

# --- Requests ---------------------------------------------------------------------------------------


class ShippingAddressSerializer(AddressSerializer):
    """An address typed at checkout (the same rules as a saved one, without label or default)."""

    class Meta(AddressSerializer.Meta):
        fields = ["full_name", "phone", "line1", "line2", "city", "county", "postal_code", "country"]


class ItemRequestSerializer(serializers.Serializer):
    variant_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=1000)


class PlaceOrderSerializer(serializers.Serializer):
    shipping_address = ShippingAddressSerializer(required=False)
    address_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="One of your saved addresses, or shipping_address."
    )
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    phone = PhoneNumberField(required=False, allow_blank=True,
                             help_text="The M-Pesa number to push the payment request to.")  # fmt: skip
    coupon_code = serializers.CharField(required=False, allow_blank=True, max_length=40)
    customer_note = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    items = ItemRequestSerializer(many=True, required=False, allow_empty=False, max_length=100,
                                  help_text="Order these instead of the cart's contents.")  # fmt: skip

    def validate(self, attrs):
        if ("shipping_address" in attrs) == ("address_id" in attrs):
            raise serializers.ValidationError(
                {
                    "shipping_address": [
                        serializers.ErrorDetail("Give either shipping_address or address_id.", code="required")
                    ]
                }
            )
        return attrs


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    note = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")
    tracking_number = serializers.CharField(max_length=100, allow_blank=True, required=False)
    carrier = serializers.CharField(max_length=100, allow_blank=True, required=False)


class RestockLineSerializer(serializers.Serializer):
    line_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)


class RefundSerializer(serializers.Serializer):
    amount = money_field(required=False, help_text="Leave out to refund everything still refundable.")
    reason = serializers.CharField(max_length=500)
    restock = serializers.BooleanField()
    lines = RestockLineSerializer(many=True, required=False, allow_empty=False, max_length=100,
                                  help_text="With restock: which units go back; default all of them.")  # fmt: skip
    reference = serializers.CharField(
        required=False, allow_blank=True, max_length=64,
        help_text="M-Pesa: the reference of the reversal already made in the M-Pesa portal.",
    )  # fmt: skip


# --- Responses --------------------------------------------------------------------------------------


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["id", "product_id", "variant_id", "product_name", "variant_name", "sku", "unit_price", "quantity",
                  "line_total"]  # fmt: skip


class HistorySerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(help_text='"customer", "staff" or "system".')

    class Meta:
        model = OrderStatusEvent
        fields = ["status", "at", "note", "actor"]

    def get_actor(self, event: OrderStatusEvent) -> str:
        # Who, not which person: customers see that staff acted, the admin shows the account.
        if event.actor_id is None:
            return "system"
        return "customer" if event.actor_id == event.order.user_id else "staff"


# The same choices as `payments.models.PaymentStatus` (one enum in the schema).
PAYMENT_STATUSES = [("pending", "Pending"), ("succeeded", "Succeeded"), ("failed", "Failed"),
                    ("cancelled", "Cancelled"), ("refunded", "Refunded")]  # fmt: skip


class PaymentRowSerializer(serializers.Serializer):
    """
    A payment as API.md shows it. Defined here, by its fields, because orders show their payments
    while the payments app (which depends on orders) owns the model; `payments` reuses it.
    """

    id = serializers.IntegerField(read_only=True)
    order_id = serializers.IntegerField(read_only=True, allow_null=True)
    repair_id = serializers.IntegerField(read_only=True, allow_null=True)
    method = serializers.CharField(read_only=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    currency = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=PAYMENT_STATUSES, read_only=True)
    provider_reference = serializers.CharField(read_only=True, help_text="The M-Pesa receipt, once paid.")
    checkout_request_id = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    failure_reason = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)
    history = HistorySerializer(many=True, read_only=True)
    payments = PaymentRowSerializer(many=True, read_only=True, help_text="Oldest first.")
    needs_attention = serializers.SerializerMethodField(
        help_text="Flagged for staff: the order itself, or one of its refunds (a reversal to make, a failure)."
    )

    class Meta:
        model = Order
        fields = [
            "id", "number", "status", "payment_status", "payment_method", "lines", "subtotal", "discount_total",
            "shipping_fee", "tax_total", "total", "currency", "coupon_code", "shipping_address", "customer_note",
            "tracking_number", "carrier", "reserved_until", "payments", "history", "needs_attention", "created_at",
            "updated_at",
        ]  # fmt: skip

    def get_needs_attention(self, order: Order) -> bool:
        flagged_refund = getattr(order, "refund_needs_attention", None)  # annotated by `order_list`
        if flagged_refund is None:
            flagged_refund = order.refunds.exclude(attention="").exists()
        return order.needs_attention or flagged_refund


class TrackSerializer(serializers.ModelSerializer):
    history = HistorySerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = ["number", "status", "tracking_number", "carrier", "history"]
