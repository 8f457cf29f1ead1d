"""Cash on delivery: the rider is the gateway. Money is counted by staff (`record-cash`) and handed back by hand."""

from payments.interface import GatewayResponse, PaymentRequest, RefundRequest


class CashGateway:
    def start(self, request: PaymentRequest) -> GatewayResponse:
        return GatewayResponse(is_success=True)

    def refund(self, request: RefundRequest) -> GatewayResponse:
        return GatewayResponse(is_success=True, reference=f"cash refund {request.refund_id}")
