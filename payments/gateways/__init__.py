from payments.interface import PaymentGateway
from payments.models import GatewayKind


def gateway_for(kind: str) -> PaymentGateway:
    """The gateway object behind a `payments.models.GatewayKind` value."""
    from payments.gateways.card.gateway import CardGateway
    from payments.gateways.cod import CashGateway
    from payments.gateways.mpesa.gateway import MpesaGateway
    from payments.gateways.simulated import SimulatedGateway

    gateways = {
        GatewayKind.MPESA: MpesaGateway,
        GatewayKind.STRIPE: CardGateway,
        GatewayKind.CASH: CashGateway,
        GatewayKind.SIMULATED: SimulatedGateway,
    }
    return gateways[kind]()
