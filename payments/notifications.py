"""
What the gateways send: every callback and webhook is stored raw before anything reads it, checked
(the M-Pesa callback's sender against `MPESA_CALLBACK_ALLOWED_IPS`, Stripe's signature), applied
through the payment services, and closed with what was done, kept for audit (`GatewayNotification`).
"""

import ipaddress
import logging
from dataclasses import dataclass

from django.conf import settings
from rest_framework.exceptions import ParseError, PermissionDenied

from core.net import client_ip
from payments import services
from payments.gateways.card.gateway import InvalidWebhook
from payments.gateways.mpesa.callbacks import MalformedCallback, apply_stk_callback
from payments.models import GatewayKind, GatewayNotification, NotificationOutcome

logger = logging.getLogger("payments")

MAX_STORED_BODY = 64 * 1024
KEPT_HEADERS = ("Content-Type", "Content-Length", "User-Agent", "X-Forwarded-For", "Stripe-Signature")


@dataclass(frozen=True)
class Received:
    """One request from a gateway as it came: the body unread, the headers worth keeping, the sender."""

    body: bytes
    headers: dict[str, str]
    source_ip: str | None


def received_from(request) -> Received:
    """The request as a gateway sent it; the sender's address honours DJANGO_NUM_PROXIES, as the throttles do."""
    body = request.data if isinstance(request.data, bytes) else b""
    headers = {name: request.headers[name][:500] for name in KEPT_HEADERS if name in request.headers}
    return Received(body=body, headers=headers, source_ip=client_ip(request))


def callback_source_allowed(ip: str | None) -> bool:
    """Whether `ip` may send M-Pesa callbacks: anyone when `MPESA_CALLBACK_ALLOWED_IPS` is empty."""
    allowed = settings.MPESA_CALLBACK_ALLOWED_IPS
    if not allowed:
        return True
    if ip is None:
        return False
    address = ipaddress.ip_address(ip)
    for entry in allowed:
        try:
            if address in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            logger.error(
                "MPESA_CALLBACK_ALLOWED_IPS has an entry that is not an address or network", extra={"entry": entry}
            )
    return False


def stk_callback_receive(*, received: Received) -> str:
    """
    Daraja's STK callback: stored, its sender checked (403 otherwise), then applied; a malformed body
    is a 400. Returns what was done (a `NotificationOutcome`); every answer is kept on the notification.
    """
    notification = _stored(GatewayKind.MPESA, received)
    if not callback_source_allowed(received.source_ip):
        _close(notification, NotificationOutcome.REJECTED, f"{received.source_ip} is not in MPESA_CALLBACK_ALLOWED_IPS")
        raise PermissionDenied("This address may not send callbacks.")
    try:
        outcome = apply_stk_callback(raw=received.body, notification=notification)
    except MalformedCallback as error:
        _close(notification, NotificationOutcome.MALFORMED, str(error))
        raise ParseError(f"Not a Daraja STK callback: {error}") from error
    _close(notification, outcome, notification.note)
    return outcome


def card_webhook_receive(*, received: Received, signature: str) -> str:
    """Stripe's webhook: stored, verified (400 and kept when the signature fails), then applied."""
    notification = _stored(GatewayKind.STRIPE, received)
    try:
        outcome = services.card_webhook_apply(payload=received.body, signature=signature, notification=notification)
    except InvalidWebhook as error:
        _close(notification, NotificationOutcome.REJECTED, str(error))
        raise ParseError(f"Webhook refused: {error}") from error
    _close(notification, outcome, notification.note)
    return outcome


def _stored(gateway: str, received: Received) -> GatewayNotification:
    """Keep what a gateway sent, as received, before anything reads it."""
    return GatewayNotification.objects.create(
        gateway=gateway,
        # As text a column can hold: undecodable bytes and NUL characters become U+FFFD.
        body=received.body[:MAX_STORED_BODY].decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
        headers=received.headers,
        source_ip=received.source_ip,
    )


def _close(notification: GatewayNotification, outcome: str, note: str) -> None:
    notification.outcome = outcome
    notification.note = note[:255]
    notification.save()
