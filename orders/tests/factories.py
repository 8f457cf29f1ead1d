"""
Orders made straight through the ORM, for tests that need orders to exist rather than to be placed.

They skip checkout on purpose: no stock is reserved or sold, no status history, events or emails
are written, and `Product.units_sold` / customer totals do not move. Tests of checkout and the
order lifecycle go through the services instead.

    order = OrderFactory(user=customer)                              # pending, unpaid, no lines
    OrderLineFactory(order=order, variant=variant, quantity=2)       # a line; order totals untouched
    order = order_for(customer, (variant, 2), other_variant)         # lines, with matching totals
    order = paid_order_for(customer, (variant, 2), other_variant)    # the same, paid
    paid_order_for(customer, variant, payment_status="partially_refunded")
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import factory
from django.db import transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.models import ProductVariant
from catalog.tests.factories import VariantFactory
from core.models import PaymentMethod
from orders.models import Order, OrderLine, OrderPaymentStatus, OrderStatus, StockState


class OrderFactory(factory.django.DjangoModelFactory):
    """A pending, unpaid M-Pesa order with no lines; `OrderFactory(paid=True)` makes it paid."""

    class Meta:
        model = Order

    class Params:
        paid = factory.Trait(
            status=OrderStatus.PAID,
            payment_status=OrderPaymentStatus.PAID,
            stock_state=StockState.SOLD,
            amount_paid=factory.SelfAttribute("total"),
            paid_at=factory.LazyFunction(timezone.now),
        )

    number = factory.Sequence(lambda n: f"DK-T{n:07d}")  # the T keeps them apart from real numbers
    user = factory.SubFactory(UserFactory)
    email = factory.SelfAttribute("user.email")
    phone = factory.SelfAttribute("user.phone")
    payment_method = PaymentMethod.MPESA
    subtotal = Decimal("0.00")
    total = factory.LazyAttribute(lambda o: o.subtotal - o.discount_total + o.shipping_fee + o.tax_total)
    discount_total = Decimal("0.00")
    shipping_fee = Decimal("0.00")
    tax_total = Decimal("0.00")
    currency = "KES"
    shipping_address = factory.LazyAttribute(
        lambda o: {
            "full_name": f"{o.user.first_name} {o.user.last_name}".strip(),
            "phone": o.user.phone,
            "line1": "Moi Avenue 1",
            "city": "Nairobi",
            "county": "Nairobi",
            "country": "KE",
        }
    )
    shipping_county = "Nairobi"


class OrderLineFactory(factory.django.DjangoModelFactory):
    """A line copying its variant's name, SKU and price, as checkout does. Does not touch the order's totals."""

    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    variant = factory.SubFactory(VariantFactory)
    product = factory.SelfAttribute("variant.product")
    product_name = factory.SelfAttribute("product.name")
    variant_name = factory.SelfAttribute("variant.name")
    sku = factory.SelfAttribute("variant.sku")
    unit_price = factory.SelfAttribute("variant.price")
    quantity = 1
    line_total = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)


VariantAndQuantity = ProductVariant | tuple[ProductVariant, int]


def order_for(user, *items: VariantAndQuantity, **order_fields: Any) -> Order:
    """
    An order of `user` with a line per item (a variant, or `(variant, quantity)`), its subtotal
    and total the sum of the lines. `order_fields` go to `OrderFactory` (e.g. `status`, `paid=True`).
    """
    lines = list(_lines(items))
    subtotal = sum((variant.price * quantity for variant, quantity in lines), Decimal("0.00"))
    with transaction.atomic():
        order = OrderFactory(user=user, subtotal=subtotal, **order_fields)
        for variant, quantity in lines:
            OrderLineFactory(order=order, variant=variant, quantity=quantity)
    return order


def paid_order_for(user, *items: VariantAndQuantity, **order_fields: Any) -> Order:
    """Like `order_for`, paid in full: status and payment status `paid`, `amount_paid` the total."""
    return order_for(user, *items, paid=True, **order_fields)


def _lines(items: Iterable[VariantAndQuantity]) -> Iterable[tuple[ProductVariant, int]]:
    for item in items:
        variant, quantity = item if isinstance(item, tuple) else (item, 1)
        assert quantity >= 1, f"An order line needs a quantity of at least 1, got {quantity} for {variant.sku}."
        yield variant, quantity
