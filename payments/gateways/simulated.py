"""
The gateway that is not there: for `make run`, demos and the sandbox flow without credentials
(`PAYMENTS_SIMULATION`). It accepts every request; `payments/{id}/simulate` then plays the
provider's answer through the same services as a real callback.
"""

import secrets

from core.models import PaymentMethod
from payments.interface import GatewayResponse, PaymentRequest, RefundRequest


class SimulatedGateway:
    def start(self, request: PaymentRequest) -> GatewayResponse:
        if request.method == PaymentMethod.CARD:
            intent = f"pi_sim_{secrets.token_hex(8)}"
            return GatewayResponse(is_success=True, pending=True, reference=intent,
                                   client_secret=f"{intent}_secret_{secrets.token_hex(8)}")  # fmt: skip
        return GatewayResponse(is_success=True, pending=True, reference=f"ws_SIM_{secrets.token_hex(10)}")

    def refund(self, request: RefundRequest) -> GatewayResponse:
        return GatewayResponse(is_success=True, reference=f"SIMREFUND{request.refund_id}")
