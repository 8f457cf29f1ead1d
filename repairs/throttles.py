"""
Per-IP limits on the repair desk's public doors (see core/throttles.py for the pattern).

Creation is open to anyone and sends an email, so a script could fill the queue and the inboxes;
tracking answers to a code, so a script could try codes. Both are counted per address, signed in
or not. The desk itself (technicians, staff, admins at the counter's one address) is not limited
when it takes devices in. Rates: `RATE_LIMIT_REPAIRS_CREATE` and `RATE_LIMIT_REPAIRS_TRACK`.
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from repairs.roles import works_at_desk


class _PerIPThrottle(SimpleRateThrottle):
    setting_name = ""

    def get_rate(self) -> str:
        # Read when the throttle is made, not when the module is imported: settings may change in tests.
        return getattr(settings, self.setting_name)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class RepairCreateThrottle(_PerIPThrottle):
    scope = "repairs.create"
    setting_name = "RATE_LIMIT_REPAIRS_CREATE"

    def get_cache_key(self, request, view):
        if works_at_desk(request.user):
            return None  # the counter takes in every walk-in customer's device from one address
        return super().get_cache_key(request, view)


class RepairTrackThrottle(_PerIPThrottle):
    scope = "repairs.track"
    setting_name = "RATE_LIMIT_REPAIRS_TRACK"
