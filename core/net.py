"""
Who sent a request: one answer for login lockouts, login history and the M-Pesa callback
allow-list, by the rule DRF's throttles apply with the same `NUM_PROXIES`.

`X-Forwarded-For` is written by whoever sends the request, so it is believed only as far as
`DJANGO_NUM_PROXIES` says proxies of ours appended to it: with none (the default), the connecting
address is the client and the header is ignored, so a forged header can neither dodge a throttle
or a lockout nor pass as Safaricom.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the last trusted proxy saw it, or None when it is not an IP address."""
    meta = request.META
    candidate = meta.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate.strip()))
    except ValueError:
        return None
