from rest_framework import serializers

from core.phones import PhoneNumberField
from core.serializers import MAX_ID, money_field
from orders.serializers import PaymentRowSerializer


class PaymentSerializer(PaymentRowSerializer):
    needs_attention = serializers.BooleanField(read_only=True)


class StkPushSerializer(serializers.Serializer):
    order_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="The order to pay; or send `repair_id`."
    )
    repair_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="The repair to pay; or send `order_id`."
    )
    phone = PhoneNumberField(help_text="07XXXXXXXX, +2547…, 2547… or 01…; normalised to 2547XXXXXXXX.")

    def validate(self, attrs):
        if ("order_id" in attrs) == ("repair_id" in attrs):
            raise serializers.ValidationError(
                "Send exactly one of `order_id` and `repair_id`: an STK push pays one order or one repair.",
                code="invalid",
            )
        return attrs


class CardIntentSerializer(serializers.Serializer):
    order_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class CardIntentResponseSerializer(serializers.Serializer):
    payment_id = serializers.IntegerField()
    client_secret = serializers.CharField(help_text="For Stripe.js `confirmCardPayment` in the customer's browser.")


class SimulateSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["success", "failure"])


class RecordCashSerializer(serializers.Serializer):
    amount = money_field(help_text="What the rider collected: the order's total.")


class CallbackAnswerSerializer(serializers.Serializer):
    ResultCode = serializers.IntegerField()
    ResultDesc = serializers.CharField()


# Daraja's STK callback, for the schema only: the view stores the raw body and parses it itself.
class _StkCallbackItemSerializer(serializers.Serializer):
    Name = serializers.CharField()
    Value = serializers.JSONField(required=False, help_text="Absent on some items (`Balance`).")


class _StkCallbackMetadataSerializer(serializers.Serializer):
    Item = _StkCallbackItemSerializer(many=True)


class _StkCallbackResultSerializer(serializers.Serializer):
    MerchantRequestID = serializers.CharField()
    CheckoutRequestID = serializers.CharField()
    ResultCode = serializers.IntegerField(help_text="0 paid; 1032 cancelled, 1037 unreachable, 2001 wrong PIN, …")
    ResultDesc = serializers.CharField()
    CallbackMetadata = _StkCallbackMetadataSerializer(
        required=False, help_text="On success: Amount, MpesaReceiptNumber, TransactionDate, PhoneNumber."
    )


class _StkCallbackInnerSerializer(serializers.Serializer):
    stkCallback = _StkCallbackResultSerializer()


class StkCallbackSerializer(serializers.Serializer):
    Body = _StkCallbackInnerSerializer()


class WebhookReceivedSerializer(serializers.Serializer):
    received = serializers.BooleanField()
