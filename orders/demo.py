"""
A few orders for the demo customer, placed and moved through the real services (stock and
history included); `payments/demo.py` then pays the delivered one in cash and the M-Pesa one.
"""

from django.test.utils import override_settings

from accounts.models import Address, User
from catalog.models import ProductVariant
from catalog.pricing import variant_sellable_q
from orders.models import Order
from orders.services.lifecycle import order_set_status
from orders.services.placement import ItemRequest, order_place


def seed(*, command, options) -> None:
    customer = User.objects.filter(email="customer@duka.local").first()
    staff = User.objects.filter(email="staff@duka.local").first()
    if customer is None or staff is None or Order.objects.filter(user=customer).exists():
        return
    address = Address.objects.filter(user=customer).first() or Address.objects.create(
        user=customer, label="Home", full_name="David Mwangi", phone="254712345678", line1="Ngong Road 45",
        city="Nairobi", county="Nairobi", is_default=True,
    )  # fmt: skip
    variants = list(ProductVariant.objects.filter(variant_sellable_q(), stock_quantity__gte=10).order_by("id")[:4])
    if len(variants) < 4:
        return

    def place(method: str, *picked: ProductVariant) -> Order:
        return order_place(user=customer, payment_method=method, address_id=address.pk,
                           items=[ItemRequest(variant.pk, 1) for variant in picked])  # fmt: skip

    delivered = place("cod", variants[0], variants[1])
    for status in ("processing", "shipped", "delivered"):
        order_set_status(order=delivered, to=status, actor=staff, tracking_number="DK-RIDER-7" if status == "shipped"
                         else None)  # fmt: skip
    # The payments demo pays these two, the M-Pesa one through the simulator: demo data needs no gateway.
    with override_settings(PAYMENTS_SIMULATION=True):
        place("mpesa", variants[2])
    place("cod", variants[3])
    command.stdout.write("Orders: 3 demo orders for customer@duka.local (delivered, M-Pesa, awaiting acceptance).")
