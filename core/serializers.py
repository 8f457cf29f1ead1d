"""Serializer fields every app needs to take hostile input without a 500."""

import math
from collections.abc import Iterator

from django.core.validators import ProhibitNullCharactersValidator
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from core.models import PaymentMethod
from core.store import payment_methods_offered

# Ids above this do not fit a 64-bit integer column; looking one up would be a database error.
MAX_ID = 2**63 - 1


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """
    A related object by integer id. Booleans, floats, strings of non-digits and ids that cannot
    exist answer 400 (`incorrect_type` / `does_not_exist`) instead of reaching the database.
    """

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, str):
            if not (data.isascii() and data.isdigit()):
                self.fail("incorrect_type", data_type="str")
            data = int(data)
        if not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def storable(text: str) -> bool:
    """Whether a database column can hold `text`: PostgreSQL refuses NUL characters and lone surrogates."""
    return "\x00" not in text and not any("\ud800" <= character <= "\udfff" for character in text)


class StorableJSONText:
    """
    Every text in a JSON value, keys included, must be text a database column can hold: PostgreSQL's
    jsonb refuses NUL characters and lone surrogates. Refused like a CharField refuses them (400,
    `null_characters_not_allowed` / `surrogate_characters_not_allowed`).
    """

    checks = (ProhibitNullCharactersValidator(), ProhibitSurrogateCharactersValidator())

    def __call__(self, value) -> None:
        for text in _texts(value):
            for check in self.checks:
                check(text)


def _texts(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key)
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


class JSONField(serializers.JSONField):
    """DRF's JSONField, refusing what no database can store (see `StorableJSONText`)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(StorableJSONText())


class StrictJSONObjectField(JSONField):
    """
    A flat JSON object of short names to short scalar values, e.g. `{"RAM": "8 GB"}`: what a
    product page shows as a table. Nesting or huge blobs are refused, so a typo cannot store megabytes.
    """

    default_error_messages = {
        "not_an_object": "Expected a JSON object.",
        "too_many_keys": "At most {max_keys} entries.",
        "bad_key": "Names must be non-empty text of at most {max_key_length} characters.",
        "bad_value": "Values must be text (at most {max_value_length} characters), numbers or true/false.",
    }

    def __init__(self, *, max_keys: int = 50, max_key_length: int = 60, max_value_length: int = 500, **kwargs):
        self.max_keys = max_keys
        self.max_key_length = max_key_length
        self.max_value_length = max_value_length
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        if not isinstance(data, dict):
            self.fail("not_an_object")
        if len(data) > self.max_keys:
            self.fail("too_many_keys", max_keys=self.max_keys)
        cleaned = {}
        for key, value in data.items():
            key = key.strip()
            if not key or len(key) > self.max_key_length:
                self.fail("bad_key", max_key_length=self.max_key_length)
            if isinstance(value, str):
                value = value.strip()
                if len(value) > self.max_value_length:
                    self.fail("bad_value", max_value_length=self.max_value_length)
            elif not _is_plain_number(value):
                self.fail("bad_value", max_value_length=self.max_value_length)
            cleaned[key] = value
        return cleaned


def _is_plain_number(value) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return abs(value) <= 10**15
    return isinstance(value, float) and math.isfinite(value)


# --- Store settings and shipping zones ---------------------------------------------------------

MAX_MONEY = 10**9  # a fee or threshold above a billion shillings is a typo, not a price


def money_field(**kwargs) -> serializers.DecimalField:
    """A non-negative amount with two places, refusing NaN, infinities and absurd sizes."""
    return serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, max_value=MAX_MONEY, **kwargs)


class PaymentMethodsField(serializers.ListField):
    """Staff's list on the way in; on the way out, only what checkout takes now."""

    def to_representation(self, data):
        return super().to_representation(payment_methods_offered(enabled=data))


class StoreSettingsSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", max_length=3, help_text="ISO 4217 code, e.g. KES.")
    contact_email = serializers.EmailField(allow_blank=True, max_length=254)
    contact_phone = serializers.CharField(allow_blank=True, max_length=20)
    address = serializers.CharField(allow_blank=True, max_length=1000)
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100,
                                        help_text="Percent, e.g. 16.00.")  # fmt: skip
    prices_include_tax = serializers.BooleanField()
    shipping_flat_fee = money_field()
    free_shipping_threshold = money_field(allow_null=True, help_text="null: shipping is never free.")
    payment_methods = PaymentMethodsField(
        child=serializers.ChoiceField(choices=PaymentMethod.choices),
        min_length=1,
        max_length=len(PaymentMethod.values),
        help_text="What checkout offers now: the methods enabled here that this server can take (M-Pesa needs "
        "Daraja's settings, card Stripe's, unless PAYMENTS_SIMULATION is on; cash needs nothing). Enabling one it "
        "cannot take → 400.",
    )
    max_quantity_per_line = serializers.IntegerField(min_value=1, max_value=1000)
    reservation_minutes = serializers.IntegerField(min_value=1, max_value=1440)
    repair_warranty_days = serializers.IntegerField(
        min_value=0, max_value=3650, help_text="Days a completed repair stays under warranty (0: none)."
    )

    def validate_currency(self, value: str) -> str:
        return value.upper()


class ShippingZoneSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=100)
    counties = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=100, help_text="County names, e.g. Nairobi."
    )
    fee = money_field()
