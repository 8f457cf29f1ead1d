"""
Every write to accounts that carries a rule: registration, sign-in, tokens, passwords,
profile, addresses and roles. Views parse and serialize; the rules live here.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.signals import user_logged_in
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from rest_framework.exceptions import ValidationError
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import lockout
from accounts.exceptions import AccountLocked, InvalidCredentials, InvalidToken
from accounts.models import Address, LoginActivity, PasswordResetOTP, Role, User
from accounts.roles import apply_role_access
from core.emails import send_templated_email
from core.events import event_record
from core.exceptions import ConflictError
from core.models import EventType

EMAIL_VERIFICATION_SALT = "accounts.verify-email"
OTP_HASH_SALT = "accounts.password-reset-otp"
# A new reset code is not sent more often than this, so the form cannot be used to flood an inbox.
OTP_RESEND_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


@dataclass(frozen=True)
class LoginResult:
    user: User
    tokens: TokenPair


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=code).detail[0]]})


def _validate_password(password: str, *, user: User, field: str) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationError(
            {field: [ValidationError(m, code="password_invalid").detail[0] for m in exc.messages]}
        ) from exc


# --- Tokens -----------------------------------------------------------------------------------


def tokens_issue(*, user: User) -> TokenPair:
    refresh = RefreshToken.for_user(user)
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def refresh_tokens_revoke_all(*, user: User) -> int:
    """Blacklist every refresh token of the user still alive, signing them out everywhere."""
    alive = OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True)
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in alive], ignore_conflicts=True
    )
    return len(created)


def user_logout(*, user: User, refresh: str) -> None:
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise InvalidToken(str(exc)) from exc
    if str(token.get(settings.SIMPLE_JWT.get("USER_ID_CLAIM", "user_id"))) != str(user.pk):
        raise InvalidToken("This refresh token does not belong to the signed-in user.")
    token.blacklist()


# --- Registration and email verification ------------------------------------------------------


def user_register(*, email: str, password: str, first_name: str, last_name: str, phone: str = "") -> User:
    email = User.objects.normalize_email(email)
    if User.objects.filter(email=email).exists():
        raise _field_error("email", "An account with this email already exists.", "unique")
    candidate = User(email=email, first_name=first_name, last_name=last_name)
    _validate_password(password, user=candidate, field="password")
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, first_name=first_name, last_name=last_name, phone=phone
            )
            event_record(type=EventType.USER_REGISTERED, payload={"user_id": user.pk, "email": user.email})
    except IntegrityError as exc:  # the same email registered a moment ago by a concurrent request
        raise _field_error("email", "An account with this email already exists.", "unique") from exc
    email_verification_send(user=user)
    return user


def email_verification_token(*, user: User) -> str:
    return signing.dumps({"uid": user.pk, "email": user.email}, salt=EMAIL_VERIFICATION_SALT)


def email_verification_send(*, user: User) -> None:
    token = email_verification_token(user=user)
    send_templated_email(
        to=user.email,
        template="verify_email",
        context={
            "user": user,
            "token": token,
            "verify_url": settings.EMAIL_VERIFICATION_URL.format(token=token),
            "valid_days": settings.EMAIL_VERIFICATION_MAX_AGE.days,
        },
    )


def email_verification_resend(*, user: User) -> None:
    """Send a new link; an already verified address needs none, so nothing is sent."""
    if not user.is_email_verified:
        email_verification_send(user=user)


def email_verify(*, token: str) -> User:
    """Mark the address in the signed token verified; verifying twice is harmless."""
    try:
        payload = signing.loads(
            token, salt=EMAIL_VERIFICATION_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE.total_seconds()
        )
    except signing.SignatureExpired as exc:
        raise InvalidToken("This verification link has expired; ask for a new one.", code="token_expired") from exc
    except signing.BadSignature as exc:
        raise InvalidToken("This verification link is not valid.") from exc
    if not isinstance(payload, dict):
        raise InvalidToken("This verification link is not valid.")
    user = User.objects.filter(pk=payload.get("uid"), is_active=True).first()
    # A link sent before the address changed must not verify the new one.
    if user is None or user.email != payload.get("email"):
        raise InvalidToken("This verification link is not valid.")
    if not user.is_email_verified:
        User.objects.filter(pk=user.pk).update(is_email_verified=True, email_verified_at=timezone.now())
        user.refresh_from_db(fields=["is_email_verified", "email_verified_at"])
    return user


# --- Sign-in ----------------------------------------------------------------------------------


def user_login(*, request: HttpRequest, email: str, password: str) -> LoginResult:
    """
    Check the credentials under django-axes' lockout and issue a token pair.

    The lockout is looked up before authenticating so that the failure which reaches the limit
    still answers 401 and only the attempts after it answer 429.
    """
    email = User.objects.normalize_email(email)
    locked = lockout.is_locked_out(request, email=email)
    # Always authenticate: Django records the failure (login activity), and axes refuses a
    # locked-out client before the password is checked, whatever password it sends.
    user = authenticate(request, username=email, password=password)
    if locked:
        raise AccountLocked(wait=lockout.lockout_seconds_remaining(request, {"username": email}))
    if user is None:
        raise InvalidCredentials()
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return LoginResult(user=user, tokens=tokens_issue(user=user))


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR") or None


def login_activity_record(*, request: HttpRequest | None, email: str, user: User | None, success: bool) -> None:
    email = (email or "")[:254]
    if user is None and email:
        user = User.objects.filter(email=User.objects.normalize_email(email)).first()
    user_agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    LoginActivity.objects.create(
        user=user, email=email, ip=_client_ip(request), user_agent=user_agent[:512], success=success
    )


# --- Passwords --------------------------------------------------------------------------------


def _otp_hash(*, user: User, code: str) -> str:
    return salted_hmac(OTP_HASH_SALT, f"{user.pk}:{code}", algorithm="sha256").hexdigest()


def password_reset_request(*, email: str) -> None:
    """
    Email a 6-digit code if an active account has this address; otherwise do nothing.

    The caller answers 202 either way, so the endpoint cannot tell anyone which emails exist.
    """
    user = User.objects.filter(email=User.objects.normalize_email(email), is_active=True).first()
    if user is None:
        # Spend about the same time as the real path.
        hashlib.sha256(secrets.token_bytes(32)).hexdigest()
        return
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        latest = PasswordResetOTP.objects.filter(user=user).first()
        if latest and latest.used_at is None and now - latest.created_at < OTP_RESEND_INTERVAL:
            return
        # Only the newest code works: a new request retires the earlier ones.
        PasswordResetOTP.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
        code = f"{secrets.randbelow(1_000_000):06d}"
        PasswordResetOTP.objects.create(
            user=user,
            code_hash=_otp_hash(user=user, code=code),
            created_at=now,
            expires_at=now + timedelta(minutes=settings.PASSWORD_RESET_OTP_MINUTES),
        )
        send_templated_email(
            to=user.email,
            template="password_reset_otp",
            context={"user": user, "code": code, "valid_minutes": settings.PASSWORD_RESET_OTP_MINUTES},
        )


def password_reset_confirm(*, email: str, otp: str, new_password: str) -> User:
    """
    Set a new password with the emailed code, then sign the user out everywhere.

    A wrong code counts as a try even though the request fails, so the count is committed
    before the error is raised; after the last try the code is dead.
    """
    invalid = _field_error("otp", "The code is not valid.", "invalid_otp")
    expired = _field_error("otp", "The code has expired or was already used; ask for a new one.", "otp_expired")
    user = User.objects.filter(email=User.objects.normalize_email(email), is_active=True).first()
    if user is None:
        raise invalid
    wrong_code = False
    with transaction.atomic():
        reset = PasswordResetOTP.objects.select_for_update().filter(user=user).first()
        if reset is None:
            raise invalid
        if (
            reset.used_at is not None
            or reset.expires_at <= timezone.now()
            or reset.attempts >= settings.PASSWORD_RESET_OTP_MAX_ATTEMPTS
        ):
            raise expired
        if not constant_time_compare(reset.code_hash, _otp_hash(user=user, code=otp)):
            PasswordResetOTP.objects.filter(pk=reset.pk).update(attempts=F("attempts") + 1)
            wrong_code = True
        else:
            _validate_password(new_password, user=user, field="new_password")
            user.set_password(new_password)
            # Receiving the code proves the address belongs to the user.
            if not user.is_email_verified:
                user.is_email_verified, user.email_verified_at = True, timezone.now()
            user.save(update_fields=["password", "is_email_verified", "email_verified_at"])
            reset.used_at = timezone.now()
            reset.save(update_fields=["used_at"])
            refresh_tokens_revoke_all(user=user)
            lockout.reset_lockouts(email=user.email)
            _send_password_changed(user=user)
    if wrong_code:
        raise invalid
    return user


def password_change(*, user: User, old_password: str, new_password: str) -> TokenPair:
    """Change the password, sign out every other session, and return fresh tokens for this one."""
    if not user.check_password(old_password):
        raise _field_error("old_password", "The current password is not correct.", "invalid_password")
    _validate_password(new_password, user=user, field="new_password")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        refresh_tokens_revoke_all(user=user)
        tokens = tokens_issue(user=user)
        _send_password_changed(user=user)
    return tokens


def _send_password_changed(*, user: User) -> None:
    send_templated_email(to=user.email, template="password_changed", context={"user": user})


# --- Profile ----------------------------------------------------------------------------------

PREFERENCES_MAX_BYTES = 4096


def user_update_profile(*, user: User, data: dict[str, Any]) -> User:
    """
    Update name, phone and preferences.

    `preferences` is merged key by key into what is stored; a key set to null is removed.
    """
    fields = []
    for name in ("first_name", "last_name", "phone"):
        if name in data:
            setattr(user, name, data[name])
            fields.append(name)
    if "preferences" in data:
        merged = {**user.preferences, **data["preferences"]}
        merged = {key: value for key, value in merged.items() if value is not None}
        # The limit is on what is stored: small patches must not add up past it.
        if len(json.dumps(merged)) > PREFERENCES_MAX_BYTES:
            raise _field_error(
                "preferences", f"Preferences are limited to {PREFERENCES_MAX_BYTES} bytes.", "max_length"
            )
        user.preferences = merged
        fields.append("preferences")
    if fields:
        user.save(update_fields=fields)
    return user


# --- Addresses --------------------------------------------------------------------------------


def address_create(*, user: User, data: dict[str, Any]) -> Address:
    """Add an address; the first one, or one marked default, becomes the default."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one default per user, even in a race
        make_default = data.pop("is_default", False) or not Address.objects.filter(user=user).exists()
        if make_default:
            Address.objects.filter(user=user, is_default=True).update(is_default=False)
        return Address.objects.create(user=user, is_default=make_default, **data)


def address_update(*, address: Address, data: dict[str, Any]) -> Address:
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=address.user_id).first()
        make_default = data.pop("is_default", None)
        if make_default:
            Address.objects.filter(user_id=address.user_id, is_default=True).exclude(pk=address.pk).update(
                is_default=False
            )
            address.is_default = True
        elif make_default is False and address.is_default:
            # The default moves to the next most recent address, if there is one.
            successor = Address.objects.filter(user_id=address.user_id).exclude(pk=address.pk).first()
            if successor is not None:
                address.is_default = False
                address.save(update_fields=["is_default"])
                Address.objects.filter(pk=successor.pk).update(is_default=True)
        for name, value in data.items():
            setattr(address, name, value)
        address.save()
    return address


def address_delete(*, address: Address) -> None:
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=address.user_id).first()
        was_default = address.is_default
        user_id = address.user_id
        address.delete()
        if was_default:
            successor = Address.objects.filter(user_id=user_id).order_by("-created_at", "-id").first()
            if successor is not None:
                Address.objects.filter(pk=successor.pk).update(is_default=True)


# --- Administration ---------------------------------------------------------------------------


def user_admin_update(*, actor: User, user: User, role: str | None = None, is_active: bool | None = None) -> User:
    """An admin changes someone's role or active flag; nobody can demote or disable themselves."""
    if user.pk == actor.pk and ((role is not None and role != Role.ADMIN) or is_active is False):
        raise ConflictError(
            "You cannot remove your own admin role or deactivate yourself; ask another admin.",
            code="self_demotion",
        )
    with transaction.atomic():
        if role is not None and role != user.role:
            user.role = role
            user.save(update_fields=["role"])
            apply_role_access(user)
        if is_active is not None and is_active != user.is_active:
            user.is_active = is_active
            user.save(update_fields=["is_active"])
            if not is_active:
                refresh_tokens_revoke_all(user=user)
    return user
