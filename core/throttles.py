from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class AuthRateThrottle(SimpleRateThrottle):
    """
    Per-IP limit on the credential endpoints (login, register, password reset, OTP).

    Keyed by address even for signed-in callers: these endpoints are what a password-guessing
    or email-bombing script hits, whoever it claims to be.
    """

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


AUTH_THROTTLES = [AnonRateThrottle, UserRateThrottle, AuthRateThrottle]
