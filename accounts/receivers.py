"""
Login activity from Django's own auth signals.

Django's `authenticate()` announces every failure and the admin's `login()` every success,
whichever door the user came through; listening here records both the API and the admin
without either having to remember to. The API login view sends `user_logged_in` itself.
"""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from accounts import services


@receiver(user_logged_in, dispatch_uid="accounts.record_login_success")
def record_login_success(sender, request, user, **kwargs):
    services.login_activity_record(request=request, email=user.email, user=user, success=True)


@receiver(user_login_failed, dispatch_uid="accounts.record_login_failure")
def record_login_failure(sender, credentials, request=None, **kwargs):
    email = credentials.get("username") or credentials.get("email") or ""
    services.login_activity_record(request=request, email=email, user=None, success=False)
