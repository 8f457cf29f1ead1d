from rest_framework import serializers

from core.phones import PhoneNumberField
from core.serializers import MAX_ID, money_field
from orders.serializers import PaymentRowSerializer


class PaymentSerializer(PaymentRowSerializer):
    needs_attention = serializers.BooleanField(read_only=True)


class StkPushSerializer(serializers.Serializer):
    order_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    phone = PhoneNumberField(help_text="07XXXXXXXX, +2547…, 2547… or 01…; normalised to 2547XXXXXXXX.")


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
