from payments.interface import Gateway as GatewayContract


def gateway_for(kind: str) -> GatewayContract:
    """The gateway object behind a `payments.models.Gateway` value."""
    from payments.gateways.card.gateway import CardGateway
    from payments.gateways.cod import CashGateway
    from payments.gateways.mpesa.gateway import MpesaGateway
    from payments.gateways.simulated import SimulatedGateway

    gateways = {"mpesa": MpesaGateway, "stripe": CardGateway, "cash": CashGateway, "simulated": SimulatedGateway}
    return gateways[kind]()
