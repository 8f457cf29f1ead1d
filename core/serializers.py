"""Serializer fields every app needs to take hostile input without a 500."""

import math

from rest_framework import serializers

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


class StrictJSONObjectField(serializers.JSONField):
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
