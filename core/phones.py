"""Phone numbers as M-Pesa and SMS gateways want them: digits only, country code first (`2547XXXXXXXX`)."""

import phonenumbers
from django.conf import settings
from rest_framework import serializers


class InvalidPhoneNumber(ValueError):
    pass


def normalize_phone(raw: str, *, region: str | None = None) -> str:
    """Turn `0712 345 678`, `+254712345678` or `254712345678` into `254712345678`."""
    region = region or settings.PHONE_DEFAULT_REGION
    text = (raw or "").strip()
    if not text or len(text) > 32:
        raise InvalidPhoneNumber("Enter a valid phone number.")
    # A number already written with its country code but without "+" is common in Kenya (2547…).
    candidates = [text]
    if text.isdigit() and not text.startswith("0"):
        candidates.insert(0, "+" + text)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")
    raise InvalidPhoneNumber("Enter a valid phone number, e.g. 0712345678 or +254712345678.")


class PhoneNumberField(serializers.CharField):
    """A serializer field that accepts local or international forms and stores `2547XXXXXXXX`."""

    default_error_messages = {"invalid_phone": "Enter a valid phone number, e.g. 0712345678 or +254712345678."}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        if text == "":
            return text
        try:
            return normalize_phone(text)
        except InvalidPhoneNumber:
            self.fail("invalid_phone")
