from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class EmailBackend(ModelBackend):
    """Sign in by email, whatever its case (the admin form and the API both call this)."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = User.objects.normalize_email(email or username)
        if not email or password is None:
            return None
        try:
            user = User.objects.get(email=email)
        except User.DoesNotExist:
            # Hash anyway so response time does not reveal whether the email exists.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
