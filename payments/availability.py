"""
Which payment methods this server can take, decided from its configuration in one place.

Checkout and `store/settings` ask `methods_available` (through the `PAYMENT_METHODS_AVAILABLE`
setting, as orders and core do not import payments); starting an M-Pesa or card payment asks
`method_gateway_required`. Both read `method_gateway`, so the shop never offers a method it
would then refuse to start, nor starts one it does not offer.
"""

from django.conf import settings

from core.models import PaymentMethod
from orders.exceptions import PaymentMethodUnavailable
from payments.gateways.card.gateway import card_configured
from payments.gateways.mpesa.gateway import mpesa_configured
from payments.models import GatewayKind

NOT_SET_UP = {
    PaymentMethod.MPESA: "M-Pesa is not set up on this shop (MPESA_* settings).",
    PaymentMethod.CARD: "Card payments are not set up on this shop (STRIPE_* settings).",
}


def method_gateway(method: str) -> str | None:
    """
    The gateway (`payments.models.GatewayKind`) that takes `method` here, or None when none can:
    M-Pesa through Daraja and card through Stripe once configured, else the simulator while
    `PAYMENTS_SIMULATION` is on; cash needs no configuration.
    """
    if method == PaymentMethod.COD:
        return GatewayKind.CASH
    configured = {PaymentMethod.MPESA: (mpesa_configured, GatewayKind.MPESA),
                  PaymentMethod.CARD: (card_configured, GatewayKind.STRIPE)}  # fmt: skip
    if method not in configured:
        return None
    is_configured, gateway = configured[method]
    if is_configured():
        return gateway
    return GatewayKind.SIMULATED if settings.PAYMENTS_SIMULATION else None


def method_gateway_required(method: str) -> str:
    """`method_gateway`, or 409 `payment_method_unavailable` saying what is missing."""
    gateway = method_gateway(method)
    if gateway is None:
        raise PaymentMethodUnavailable(NOT_SET_UP.get(method, f"This shop cannot take {method} payments."))
    return gateway


def methods_available() -> frozenset[str]:
    """The methods (`core.models.PaymentMethod` values) this server can take now."""
    return frozenset(method for method in PaymentMethod.values if method_gateway(method) is not None)
