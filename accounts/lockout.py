"""Glue between django-axes and Duka: one lockout key per (email, IP), whatever the email's case."""

import math

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.db.models import Max
from django.http import HttpResponse
from django.utils import timezone

from accounts.models import User


def client_username(request, credentials=None) -> str:
    """AXES_USERNAME_CALLABLE: the email from the credentials or the admin's login form."""
    raw = (credentials or {}).get("username") or (credentials or {}).get("email")
    if raw is None and request is not None:
        raw = request.POST.get("username")
    return User.objects.normalize_email(raw)


def lockout_response(request, original_response=None, credentials=None):
    """
    AXES_LOCKOUT_CALLABLE, used by AxesMiddleware for the admin's login form.

    The API's login view answers its own lockouts (429 `account_locked` in the JSON envelope,
    and 401 on the failure that reaches the limit), so its response passes through untouched.
    """
    if request.path.startswith("/api/") and original_response is not None:
        return original_response
    seconds = lockout_seconds_remaining(request, credentials)
    response = HttpResponse(
        f"Too many failed sign-in attempts. Try again in {math.ceil(seconds / 60)} minute(s), or reset your password.",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(seconds)
    return response


def is_locked_out(request, *, email: str) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": email})


def lockout_seconds_remaining(request, credentials=None) -> int:
    """Seconds until the (email, IP) pair may try again, at least 1."""
    AxesProxyHandler.update_request(request)
    email = client_username(request, credentials)
    last_failure = AccessAttempt.objects.filter(username=email, ip_address=request.axes_ip_address).aggregate(
        last=Max("attempt_time")
    )["last"]
    if last_failure is None:
        return 1
    remaining = (last_failure + get_cool_off(request) - timezone.now()).total_seconds()
    return max(1, math.ceil(remaining))


def reset_lockouts(*, email: str) -> None:
    """Forget failures for this email (after a password reset proves who the owner is)."""
    AxesProxyHandler.reset_attempts(username=email)
