"""
An order whose total is 0 (a free item delivered free, a coupon covering everything) is paid when it is
placed: no payment row, its stock sold at once (a cash order's once staff accept it), and every way of
paying or refunding it agrees that nothing is due.
"""

from decimal import Decimal

import pytest
from django.test import Client

from catalog.models import Coupon
from catalog.tests.factories import ProductFactory, VariantFactory
from core.models import Event, EventType, ShippingZone
from core.testing import error_codes
from orders.models import Order, OrderRefund
from payments.models import Payment
from payments.tests.conftest import intent_created, push_accepted, token_ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def free_gift(db):
    """A free gift, delivered free in Nairobi (where the customer's default address is)."""
    ShippingZone.objects.create(name="Nairobi (free)", counties=["Nairobi"], fee=Decimal("0"))
    return VariantFactory(
        product=ProductFactory(name="Launch-day tote bag"), sku="TOTE-FREE", price=Decimal("0.00"),
        stock_quantity=10, reorder_point=0,
    )  # fmt: skip


def checkout(client, address, variant, payment_method: str, **extra):
    body = {"address_id": address.pk, "payment_method": payment_method,
            "items": [{"variant_id": variant.pk, "quantity": 1}], **extra}  # fmt: skip
    return client.post("/api/v1/orders", body, format="json")


def stock(variant) -> tuple[int, int]:
    variant.refresh_from_db()
    return variant.stock_quantity, variant.reserved_quantity


@pytest.mark.parametrize("payment_method", ["card", "mpesa"])
def test_a_zero_total_prepaid_order_is_paid_at_checkout_with_no_payment_and_its_stock_sold(
    customer_api, address, free_gift, payment_method
):
    response = checkout(customer_api, address, free_gift, payment_method)

    assert response.status_code == 201
    body = response.json()
    assert (body["total"], body["status"], body["payment_status"]) == ("0.00", "paid", "paid")
    assert (body["payments"], body["reserved_until"]) == ([], None)
    assert [step["status"] for step in body["history"]] == ["pending", "paid"]
    assert stock(free_gift) == (9, 0)
    assert Event.objects.filter(type=EventType.ORDER_PAID, payload__order_id=body["id"]).count() == 1


def test_a_zero_total_mpesa_checkout_with_a_phone_sends_no_stk_push(daraja, customer_api, address, free_gift):
    response = checkout(customer_api, address, free_gift, "mpesa", phone="0712345678")

    assert response.status_code == 201
    assert response.json()["payment_status"] == "paid"
    assert not daraja.log
    assert not Payment.objects.exists()


def test_a_coupon_that_covers_everything_makes_a_paid_order(customer_api, address, phone):
    ShippingZone.objects.create(name="Nairobi (free)", counties=["Nairobi"], fee=Decimal("0"))
    Coupon.objects.create(code="ALLFREE", kind="percentage", value=Decimal("100"))

    response = checkout(customer_api, address, phone, "card", coupon_code="ALLFREE")

    assert response.status_code == 201
    assert (response.json()["total"], response.json()["status"]) == ("0.00", "paid")


def test_nothing_can_be_charged_on_a_zero_total_order(daraja, stripe_fake, customer_api, staff_api, address, free_gift):
    token_ok(daraja)
    push_accepted(daraja)
    intent_created(stripe_fake)
    order_id = checkout(customer_api, address, free_gift, "card").json()["id"]

    card = customer_api.post("/api/v1/payments/card/intent", {"order_id": order_id}, format="json")
    push = customer_api.post("/api/v1/payments/mpesa/stk-push", {"order_id": order_id, "phone": "0712345678"},
                             format="json")  # fmt: skip

    assert (card.status_code, error_codes(card)) == (409, ["already_paid"])
    assert (push.status_code, error_codes(push)) == (409, ["already_paid"])
    assert not [request for request, _ in stripe_fake.log if request.path == "/v1/payment_intents"]
    assert not [request for request, _ in daraja.log if request.path.endswith("processrequest")]
    assert not Payment.objects.exists()


def test_a_zero_total_cash_order_has_nothing_to_collect_and_is_accepted_as_usual(
    customer_api, staff_api, address, free_gift
):
    order = checkout(customer_api, address, free_gift, "cod").json()
    assert (order["status"], order["payment_status"]) == ("pending", "paid")
    assert stock(free_gift) == (10, 1)

    cash = staff_api.post(f"/api/v1/orders/{order['id']}/record-cash", {"amount": "0.01"}, format="json")
    accept = staff_api.post(f"/api/v1/orders/{order['id']}/status", {"status": "processing"}, format="json")

    assert (cash.status_code, error_codes(cash)) == (409, ["already_paid"])
    assert accept.status_code == 200
    assert stock(free_gift) == (9, 0)
    assert not Payment.objects.exists()


def test_a_zero_total_order_has_nothing_to_refund_and_cancels_without_a_refund(
    customer_api, staff_api, address, free_gift
):
    order = checkout(customer_api, address, free_gift, "card").json()

    refund = staff_api.post(f"/api/v1/orders/{order['id']}/refund", {"reason": "x", "restock": True}, format="json")
    cancel = customer_api.post(f"/api/v1/orders/{order['id']}/cancel", {"reason": "Changed my mind"}, format="json")

    assert (refund.status_code, error_codes(refund)) == (409, ["refund_not_allowed"])
    assert (cancel.status_code, cancel.json()["status"]) == (200, "cancelled")
    assert stock(free_gift) == (10, 0)
    assert not OrderRefund.objects.exists()


def test_the_admin_cancels_a_zero_total_order_without_recording_a_refund(customer_api, staff_user, address, free_gift):
    order = Order.objects.get(pk=checkout(customer_api, address, free_gift, "card").json()["id"])
    browser = Client()
    browser.force_login(staff_user)

    page = browser.get(f"/admin/orders/order/{order.pk}/change/")
    moved = browser.post(f"/admin/orders/order/{order.pk}/move/", {"to": "cancelled", "confirm": "yes"}, follow=True)

    assert page.status_code == 200 and "Cancel order" in page.text
    assert f"Order {order.number} is now cancelled." in moved.text
    assert "recorded as refunded" not in moved.text
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("cancelled", "paid")
    assert not OrderRefund.objects.exists()
