"""Build a shop's books by hand: orders with the money fields checkout writes, paid at a chosen instant."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from catalog.tests.factories import VariantFactory
from core.models import PaymentMethod
from orders.models import Order, OrderPaymentStatus, OrderRefund, OrderStatus
from orders.tests.factories import OrderFactory, OrderLineFactory

NAIROBI = ZoneInfo("Africa/Nairobi")
CENT = Decimal("0.01")


def nairobi(*args: int) -> datetime:
    return datetime(*args, tzinfo=NAIROBI)


def priced(*, subtotal: Decimal, discount=Decimal("0"), shipping=Decimal("0"), rate=Decimal("0"), inclusive=True):
    """The money fields of an order, as `catalog.pricing.totals` computes them in either tax mode."""
    goods = subtotal - discount
    if inclusive:
        total = goods + shipping
        tax = (total * rate / (100 + rate)).quantize(CENT, ROUND_HALF_UP)
    else:
        tax = ((goods + shipping) * rate / 100).quantize(CENT, ROUND_HALF_UP)
        total = goods + shipping + tax
    return {"subtotal": subtotal, "discount_total": discount, "shipping_fee": shipping, "tax_total": tax,
            "total": total, "tax_rate": rate, "prices_include_tax": inclusive}  # fmt: skip


def order(*, paid_at: datetime | None, units: int = 1, cash: bool = False, user=None, **money) -> Order:
    """An order with one line of `units`; paid at `paid_at` (cash recorded then, for `cash`), else pending."""
    fields = priced(**money)
    extra = {"user": user} if user else {}
    if paid_at is not None:
        extra.update(payment_status=OrderPaymentStatus.PAID, amount_paid=fields["total"], paid_at=paid_at,
                     status=OrderStatus.DELIVERED if cash else OrderStatus.PAID)  # fmt: skip
    made = OrderFactory(payment_method=PaymentMethod.COD if cash else PaymentMethod.MPESA, **fields, **extra)
    variant = VariantFactory(price=(fields["subtotal"] / units).quantize(CENT))
    OrderLineFactory(order=made, variant=variant, quantity=units, unit_price=variant.price)
    return made


def refund(made: Order, amount: Decimal, at: datetime) -> OrderRefund:
    """A refund of `amount` on `made`'s books, recorded at `at`."""
    row = OrderRefund.objects.create(order=made, amount=amount, reason="returned")
    OrderRefund.objects.filter(pk=row.pk).update(created_at=at)
    refunded = made.amount_refunded + amount
    status = OrderPaymentStatus.REFUNDED if refunded == made.amount_paid else OrderPaymentStatus.PARTIALLY_REFUNDED
    Order.objects.filter(pk=made.pk).update(amount_refunded=refunded, payment_status=status)
    made.refresh_from_db()
    return row
