from decimal import Decimal

import pytest

from accounts.tests.factories import AddressFactory
from catalog.tests.factories import ProductFactory, VariantFactory
from orders.models import Order
from orders.services.placement import ItemRequest, order_place

ADDRESS = {"full_name": "Akinyi Otieno", "phone": "254700000001", "line1": "Oginga Odinga St 4", "city": "Kisumu",
           "county": "Kisumu", "country": "KE"}  # fmt: skip


@pytest.fixture
def address(customer):
    return AddressFactory(user=customer, full_name="Wanjiku Kariuki", county="Nairobi", is_default=True)


@pytest.fixture
def phone(db):
    """A phone at 1,160 a unit (1,000 + 16% VAT), 5 in stock."""
    return VariantFactory(
        product=ProductFactory(name="Tecno Spark 20"), sku="TEC-SPARK20", name="128 GB", price=Decimal("1160.00"),
        stock_quantity=5, reorder_point=0,
    )  # fmt: skip


@pytest.fixture
def charger(db):
    return VariantFactory(
        product=ProductFactory(name="Oraimo charger"), sku="ORA-25W", name="", price=Decimal("500.00"),
        stock_quantity=20, reorder_point=0,
    )  # fmt: skip


@pytest.fixture
def place(customer, address):
    """Place an order through the service, as checkout does: `place((phone, 2), payment_method="cod")`."""

    def _place(*items, user=None, payment_method: str = "mpesa", **fields) -> Order:
        user = user or customer
        if "shipping_address" not in fields and "address_id" not in fields:
            if user == customer:
                fields["address_id"] = address.pk
            else:
                fields["shipping_address"] = ADDRESS
        requested = [ItemRequest(variant.pk, quantity) for variant, quantity in items]
        return order_place(user=user, payment_method=payment_method, items=requested, **fields)

    return _place


def checkout_body(address_id: int, *items, payment_method: str = "mpesa", **extra) -> dict:
    body = {"address_id": address_id, "payment_method": payment_method, **extra}
    if items:
        body["items"] = [{"variant_id": variant.pk, "quantity": quantity} for variant, quantity in items]
    return body
