import json

from rest_framework import serializers

from accounts.models import Address, LoginActivity, Role, User
from accounts.services import PREFERENCES_MAX_BYTES
from core.phones import PhoneNumberField
from core.regions import canonical_county
from core.serializers import JSONField

PASSWORD_MAX_LENGTH = 128  # long enough for any passphrase, short enough that hashing it is cheap


def password_field(**kwargs) -> serializers.CharField:
    return serializers.CharField(
        write_only=True,
        trim_whitespace=False,
        max_length=PASSWORD_MAX_LENGTH,
        style={"input_type": "password"},
        **kwargs,
    )


class UserSerializer(serializers.ModelSerializer):
    """The `auth/me` body."""

    phone = PhoneNumberField(required=False, allow_blank=True)
    preferences = JSONField(required=False, help_text="Free-form settings; PATCH merges keys, null removes one.")

    class Meta:
        model = User
        fields = [
            "id", "email", "first_name", "last_name", "phone", "role", "is_email_verified",
            "date_joined", "orders_count", "total_spent", "preferences",
        ]  # fmt: skip
        read_only_fields = ["id", "email", "role", "is_email_verified", "date_joined", "orders_count", "total_spent"]

    def validate_preferences(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Preferences must be a JSON object.", code="invalid")
        if len(json.dumps(value)) > PREFERENCES_MAX_BYTES:
            raise serializers.ValidationError(
                f"Preferences are limited to {PREFERENCES_MAX_BYTES} bytes.", code="max_length"
            )
        return value


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = password_field()
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    phone = PhoneNumberField(required=False, allow_blank=True, default="")


class LoginSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = password_field()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LoginResponseSerializer(TokenPairSerializer):
    user = UserSerializer()


class RefreshRequestSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class VerifyEmailSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1024)


class ForgotPasswordSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class OTPField(serializers.RegexField):
    """The 6-digit code as a string: a JSON number would lose leading zeros, so it is refused."""

    def __init__(self, **kwargs):
        super().__init__(r"^\d{6}$", max_length=6, error_messages={"invalid": "Enter the 6-digit code."}, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ResetPasswordSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    otp = OTPField()
    new_password = password_field()


class ChangePasswordSerializer(serializers.Serializer):
    old_password = password_field()
    new_password = password_field()


class ChangePasswordResponseSerializer(TokenPairSerializer):
    detail = serializers.CharField()


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class LoginActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = LoginActivity
        fields = ["at", "ip", "user_agent", "success"]


class AddressSerializer(serializers.ModelSerializer):
    phone = PhoneNumberField()
    country = serializers.RegexField(r"^[A-Za-z]{2}$", max_length=2, required=False, default="KE",
                                     help_text="ISO 3166-1 alpha-2 code; defaults to KE.")  # fmt: skip
    is_default = serializers.BooleanField(required=False)

    class Meta:
        model = Address
        fields = [
            "id", "label", "full_name", "phone", "line1", "line2", "city", "county", "postal_code",
            "country", "is_default",
        ]  # fmt: skip

    def validate_country(self, value: str) -> str:
        return value.upper()

    def validate(self, attrs):
        country = attrs.get("country") or (self.instance.country if self.instance else "KE")
        county = attrs.get("county", self.instance.county if self.instance else None)
        if county is not None and ("county" in attrs or "country" in attrs):
            canonical = canonical_county(country, county)
            if not canonical:
                raise serializers.ValidationError(
                    {"county": [serializers.ErrorDetail("Not a county of this country.", code="invalid_choice")]}
                )
            attrs["county"] = canonical
        return attrs


class AdminUserSerializer(UserSerializer):
    """A user as an admin sees it: `role` and `is_active` can be changed."""

    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "is_active", "is_staff", "last_login"]
        read_only_fields = [
            "id", "email", "first_name", "last_name", "phone", "preferences", "is_email_verified",
            "date_joined", "orders_count", "total_spent", "is_staff", "last_login",
        ]  # fmt: skip
