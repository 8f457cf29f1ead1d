"""Pay the demo orders as customers would: cash collected on delivery, and an M-Pesa payment (simulated)."""

from django.test.utils import override_settings

from accounts.models import User
from orders.models import Order, OrderPaymentStatus, OrderStatus
from payments.services import cash_record, mpesa_payment_create, mpesa_payment_send, payment_simulate


def seed(*, command, options) -> None:
    staff = User.objects.filter(email="staff@duka.local").first()
    unpaid = Order.objects.filter(user__email="customer@duka.local", payment_status=OrderPaymentStatus.UNPAID)
    delivered = unpaid.filter(status=OrderStatus.DELIVERED, payment_method="cod").first()
    if delivered is not None:
        cash_record(order=delivered, amount=delivered.total - delivered.amount_paid, actor=staff)
    mpesa = unpaid.filter(status=OrderStatus.PENDING, payment_method="mpesa").first()
    if mpesa is not None:
        # The simulator, whatever the M-Pesa settings: demo data never calls Safaricom.
        with override_settings(PAYMENTS_SIMULATION=True, MPESA_CONSUMER_KEY=""):
            payment = mpesa_payment_send(payment=mpesa_payment_create(order=mpesa, phone=mpesa.phone or "0712345678"))
            payment_simulate(payment=payment, outcome="success")
    if delivered is not None or mpesa is not None:
        command.stdout.write("Payments: the demo orders are paid (cash on delivery, M-Pesa simulated).")
