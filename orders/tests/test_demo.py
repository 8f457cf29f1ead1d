from io import StringIO

import pytest
from django.core.management import call_command

from core.models import ShippingZone
from orders.models import Order

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_the_demo_customer_orders_in_several_states(settings, tmp_path, customer_api, mailoutbox):
    settings.MEDIA_ROOT = tmp_path
    settings.PAYMENTS_SIMULATION = False  # seeding needs no payment gateway set up
    out = StringIO()

    call_command("seed_demo", products=8, stdout=out)
    call_command("seed_demo", products=8, stdout=StringIO())

    orders = Order.objects.filter(user__email="customer@duka.local")
    assert sorted(orders.values_list("status", "payment_status")) == [
        ("delivered", "paid"), ("paid", "paid"), ("pending", "unpaid"),
    ]  # fmt: skip
    assert [step.status for step in orders.get(status="delivered").history.all()] == [
        "pending", "processing", "shipped", "delivered",
    ]  # fmt: skip
    assert "Nairobi" in ShippingZone.objects.get(name="Nairobi metro").counties
    assert "3 demo orders" in out.getvalue()
    assert mailoutbox == []
