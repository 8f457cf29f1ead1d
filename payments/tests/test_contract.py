"""Small promises between the payments app and the rest."""

from orders.serializers import PAYMENT_STATUSES
from payments.models import PaymentStatus


def test_orders_show_payment_statuses_with_the_payments_own_choices():
    assert PAYMENT_STATUSES == PaymentStatus.choices
