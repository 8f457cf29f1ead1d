"""
Repair bodies in and out. Input serializers only parse and check the shape of a request (IMEI,
phone, no passcodes); the rules about what may happen to a ticket live in `repairs/services/`.
"""

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from core.phones import PhoneNumberField
from core.serializers import IdRelatedField, money_field
from repairs.models import (
    DeviceType,
    RepairNote,
    RepairPart,
    RepairQuote,
    RepairQuoteLine,
    RepairRequest,
    RepairStatus,
    RepairStatusEvent,
)
from repairs.roles import works_at_desk
from repairs.selectors import latest_shown_quote

IMEI_DEVICES = (DeviceType.PHONE, DeviceType.TABLET)
# Words that name a secret unlocking a device. A field named with one is refused whatever its value:
# the shop never takes passcodes (the customer unlocks the device at the counter).
SECRET_WORDS = frozenset(
    {"passcode", "password", "passwd", "pwd", "pass", "passphrase", "pin", "pincode", "unlockcode", "lockcode",
     "pattern", "secret"}
)  # fmt: skip


def luhn_valid(digits: str) -> bool:
    """The Luhn check digit test every IMEI passes (the 15th digit checks the first 14)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _name_words(name: str) -> list[str]:
    # "devicePIN", "screen_lock_code", "pass-code" → ["device", "pin"], ["screen", "lock", "code"], ["pass", "code"]
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    words = [word for word in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if word]
    joined = ["".join(words[i : i + 2]) for i in range(len(words) - 1)]
    return words + joined


def secret_fields(data) -> list[str]:
    """The keys of a request body that name a passcode, PIN or password."""
    if not isinstance(data, dict):
        return []
    return [key for key in data if isinstance(key, str) and SECRET_WORDS.intersection(_name_words(key))]


# --- Requests ---------------------------------------------------------------------------------------


class RefusesPasscodes(serializers.Serializer):
    """Refuse a body with a field named like a passcode (400 `passcode_refused` on that field), whatever its value."""

    def validate(self, attrs):
        secrets = secret_fields(getattr(self, "initial_data", None))
        if secrets:
            message = "Passcodes are never taken: set unlocks_at_counter and unlock the device at the counter."
            raise serializers.ValidationError(
                {name: [serializers.ErrorDetail(message, code="passcode_refused")] for name in secrets}
            )
        return attrs


class RepairCreateSerializer(RefusesPasscodes, serializers.ModelSerializer):
    """A device handed in. Passcodes are refused: say `unlocks_at_counter` instead."""

    contact_phone = PhoneNumberField(help_text="Any local or international form; stored as 2547XXXXXXXX.")
    contact_email = serializers.EmailField(max_length=254)
    serial_number = serializers.CharField(
        required=False, allow_blank=True, max_length=40,
        help_text="Serial number or IMEI. 15 digits on a phone or tablet is an IMEI and must pass the Luhn check.",
    )  # fmt: skip
    issue_description = serializers.CharField(max_length=5000)
    condition_notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    class Meta:
        model = RepairRequest
        fields = [
            "device_type", "brand", "model", "serial_number", "issue_description", "condition_notes", "accessories",
            "unlocks_at_counter", "contact_name", "contact_phone", "contact_email",
        ]  # fmt: skip

    def validate(self, attrs):
        attrs = super().validate(attrs)
        serial = attrs.get("serial_number", "").strip()
        compact = re.sub(r"[\s-]", "", serial)
        if attrs.get("device_type") in IMEI_DEVICES and len(compact) == 15 and compact.isdigit():
            if not luhn_valid(compact):
                error = serializers.ErrorDetail("This IMEI is not valid (check digit).", code="invalid_imei")
                raise serializers.ValidationError({"serial_number": [error]})
            serial = compact  # an IMEI is stored as its 15 digits
        attrs["serial_number"] = serial
        return attrs


class RepairUpdateSerializer(RefusesPasscodes, serializers.Serializer):
    """The desk's PATCH. Every field is optional; `status` is a move the status machine must allow."""

    status = serializers.ChoiceField(choices=RepairStatus.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500,
                                 help_text="Recorded with the move in the history.")  # fmt: skip
    assigned_technician = IdRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True,
        help_text="A user with the technician, staff or admin role; null to unassign.",
    )  # fmt: skip
    diagnosis = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    estimated_cost = money_field(
        required=False, allow_null=True,
        help_text="With `status: awaiting_approval`, sent to the customer as a one-line labour quote.",
    )  # fmt: skip
    final_cost = money_field(required=False, allow_null=True, help_text="Never above the approved quote.")
    promised_by = serializers.DateField(required=False, allow_null=True)


class NoteCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000)
    is_public = serializers.BooleanField(default=False, help_text="Shown to the customer on the tracking page.")


# --- Responses --------------------------------------------------------------------------------------


class QuoteLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = RepairQuoteLine
        fields = ["kind", "description", "variant_id", "quantity", "unit_price", "line_total"]


class RepairQuoteSerializer(serializers.ModelSerializer):
    """One quote version: `{version, status, lines, total, note}`."""

    lines = QuoteLineSerializer(many=True, read_only=True)

    class Meta:
        model = RepairQuote
        fields = ["version", "status", "lines", "total", "note"]


class RepairPartSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="variant.sku", read_only=True)

    class Meta:
        model = RepairPart
        fields = ["variant_id", "sku", "quantity", "state"]


class RepairHistorySerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(help_text='"customer", "technician", "staff" or "system".')

    class Meta:
        model = RepairStatusEvent
        fields = ["status", "at", "note", "actor"]

    def get_actor(self, event: RepairStatusEvent) -> str:
        # Who, not which person: the customer sees that the desk acted; the admin shows the account.
        if event.actor_id is None:
            return "system"
        if not works_at_desk(event.actor):
            return "customer"
        return "technician" if event.actor.role == "technician" else "staff"


class RepairNoteSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField(help_text="The author's name; null once the account is gone.")

    class Meta:
        model = RepairNote
        fields = ["id", "body", "is_public", "author", "created_at"]

    def get_author(self, note: RepairNote) -> str | None:
        return note.author.get_full_name() if note.author_id else None


class PublicNoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = RepairNote
        fields = ["body", "created_at"]


class DeviceSerializer(serializers.ModelSerializer):
    type = serializers.ChoiceField(source="device_type", choices=DeviceType.choices, read_only=True)

    class Meta:
        model = RepairRequest
        fields = ["type", "brand", "model"]


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, **kwargs)


class RepairSerializer(serializers.ModelSerializer):
    """
    A ticket as its owner and the desk see it. Private notes are the desk's: the owner's body carries
    the public ones only. `quote` is the newest version the customer was sent (drafts excluded).
    """

    quote = serializers.SerializerMethodField()
    amount_due = _money(help_text="final_cost once set, else the approved quote, less what was paid.")
    amount_paid = _money()
    payment_status = serializers.ChoiceField(
        read_only=True, choices=["unpaid", "partially_paid", "paid", "partially_refunded", "refunded"]
    )
    parts = RepairPartSerializer(many=True, read_only=True)
    history = RepairHistorySerializer(many=True, read_only=True, help_text="Oldest first, from `received`.")
    notes = serializers.SerializerMethodField(help_text="Oldest first; the owner sees the public ones only.")
    user_id = serializers.IntegerField(read_only=True, allow_null=True, help_text="The customer's account, if any.")
    assigned_technician = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    warranty_of = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = RepairRequest
        fields = [
            "id", "tracking_code", "status", "status_changed_at", "device_type", "brand", "model", "serial_number",
            "issue_description", "condition_notes", "accessories", "unlocks_at_counter", "contact_name",
            "contact_phone", "contact_email", "user_id", "assigned_technician", "diagnosis", "promised_by",
            "estimated_cost", "final_cost", "quote", "amount_due", "amount_paid", "payment_status", "parts",
            "warranty_until", "warranty_of", "history", "notes", "completed_at", "created_at", "updated_at",
        ]  # fmt: skip

    @extend_schema_field(RepairQuoteSerializer(allow_null=True))
    def get_quote(self, repair: RepairRequest) -> dict | None:
        quote = latest_shown_quote(repair)
        return RepairQuoteSerializer(quote).data if quote is not None else None

    @extend_schema_field(RepairNoteSerializer(many=True))
    def get_notes(self, repair: RepairRequest) -> list:
        request = self.context.get("request")
        notes = list(repair.notes.all())
        if not works_at_desk(getattr(request, "user", None)):
            notes = [note for note in notes if note.is_public]
        return RepairNoteSerializer(notes, many=True).data


class RepairTrackingSerializer(serializers.ModelSerializer):
    """The public tracking page: what anyone with the code sees. Never contact details or private notes."""

    device = serializers.SerializerMethodField()
    public_notes = serializers.SerializerMethodField(help_text="Oldest first.")
    quote = serializers.SerializerMethodField()
    amount_due = _money()

    class Meta:
        model = RepairRequest
        fields = ["tracking_code", "status", "device", "estimated_cost", "updated_at", "public_notes", "quote",
                  "amount_due"]  # fmt: skip

    @extend_schema_field(DeviceSerializer)
    def get_device(self, repair: RepairRequest) -> dict:
        return DeviceSerializer(repair).data

    @extend_schema_field(PublicNoteSerializer(many=True))
    def get_public_notes(self, repair: RepairRequest) -> list:
        return PublicNoteSerializer([note for note in repair.notes.all() if note.is_public], many=True).data

    @extend_schema_field(RepairQuoteSerializer(allow_null=True))
    def get_quote(self, repair: RepairRequest) -> dict | None:
        quote = latest_shown_quote(repair)
        return RepairQuoteSerializer(quote).data if quote is not None else None
