"""
Placing an order: one entry point of small steps, in one transaction.

validate (payment method, address, lines) → price (the same `catalog.pricing` as the cart) →
create the order and snapshot its lines and address → reserve stock for every line at once
(one 409 naming every short line, nothing reserved) → redeem the coupon → record the history,
the outbox event and the email, which go out only after commit → empty the cart.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ErrorDetail, ValidationError

from accounts.models import Address, User
from cart.selectors import cart_of_user
from cart.services import cart_clear
from catalog import inventory
from catalog.inventory import StockLine
from catalog.models import ProductVariant
from catalog.pricing import ActivePromotions, PricedLine, Totals, price_lines, totals
from catalog.services.discounts import coupon_check, coupon_redeem
from core.models import PaymentMethod
from core.store import StoreConfig, store_config
from orders import events, notifications
from orders.exceptions import CartEmpty, PaymentMethodUnavailable
from orders.models import Order, OrderLine, OrderPaymentStatus, OrderStatus, OrderStatusEvent, StockState
from orders.services.lifecycle import order_mark_paid
from orders.services.numbers import order_number_new

# Daraja takes 1 to 250,000 shillings in one STK push.
MPESA_MAX_AMOUNT = Decimal("250000")
ADDRESS_FIELDS = ("full_name", "phone", "line1", "line2", "city", "county", "postal_code", "country")


@dataclass(frozen=True)
class ItemRequest:
    variant_id: int
    quantity: int


def order_place(
    *,
    user: User,
    payment_method: str,
    items: Sequence[ItemRequest] | None = None,
    address_id: int | None = None,
    shipping_address: dict | None = None,
    phone: str = "",
    coupon_code: str | None = None,
    customer_note: str = "",
) -> Order:
    """
    Place an order from `items`, or from the user's cart when `items` is None. The shipping
    address is one of the user's (`address_id`) or given in full (`shipping_address`).
    """
    store = store_config()
    _check_payment_method(payment_method, store)
    address = _address_snapshot(user=user, address_id=address_id, shipping_address=shipping_address)
    cart = None
    if items is None:
        cart = cart_of_user(user=user)
        cart_items = list(cart.items.all()) if cart is not None else []
        if not cart_items:
            raise CartEmpty()
        items = [ItemRequest(item.variant_id, item.quantity) for item in cart_items]
        if coupon_code is None and cart.coupon_id:
            coupon_code = cart.coupon.code
    quantities = _merged(items)

    with transaction.atomic():
        variants = _variants(quantities, store)
        lines = price_lines([(variants[pk], qty) for pk, qty in quantities.items()], promotions=ActivePromotions.load())
        subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
        coupon = coupon_check(code=coupon_code, subtotal=subtotal, user=user) if coupon_code else None
        priced = totals(lines=lines, coupon=coupon, county=address["county"], store=store)
        _check_amount(payment_method, priced)
        order = _create(user=user, payment_method=payment_method, address=address, priced=priced, coupon=coupon,
                        phone=phone, note=customer_note, store=store)  # fmt: skip
        order_lines = OrderLine.objects.bulk_create([_snapshot(order, line) for line in lines])
        inventory.stock_reserve(
            lines=[StockLine(pk, qty) for pk, qty in quantities.items()], order_id=order.pk, actor=user,
            note=f"Order {order.number}",
        )  # fmt: skip
        if coupon is not None:
            coupon_redeem(coupon=coupon, user=user, order_id=order.pk, subtotal=priced.subtotal)
        OrderStatusEvent.objects.create(order=order, status=OrderStatus.PENDING, actor=user, note="Order placed")
        events.order_created(order=order, actor=user)
        notifications.order_placed(order=order, lines=order_lines)
        if priced.total == 0:  # nothing to pay (a free item, a coupon covering all): paid as it is placed
            order = order_mark_paid(order=order, amount=priced.total, actor=user)
        if cart is not None:
            cart_clear(cart=cart)
    return order


def _check_payment_method(payment_method: str, store: StoreConfig) -> None:
    """Refuse a method staff turned off or this server cannot take, before anything is written."""
    offered = store.payment_methods_offered
    if payment_method not in offered:
        takes = ", ".join(PaymentMethod(method).label for method in offered) or "no payments"
        message = (
            f"This shop does not take {PaymentMethod(payment_method).label} payments at the moment; it takes {takes}."
        )
        raise PaymentMethodUnavailable(
            {"payment_method": [ErrorDetail(message, code=PaymentMethodUnavailable.default_code)]}
        )


def _check_amount(payment_method: str, priced: Totals) -> None:
    if payment_method == PaymentMethod.MPESA and priced.total > MPESA_MAX_AMOUNT:
        raise PaymentMethodUnavailable(
            f"M-Pesa takes at most {priced.currency} {MPESA_MAX_AMOUNT:,.0f} in one payment; pay by card or split "
            "the order."
        )


def _address_snapshot(*, user: User, address_id: int | None, shipping_address: dict | None) -> dict:
    if address_id is not None:
        address = Address.objects.filter(pk=address_id, user=user).first()
        if address is None:
            raise ValidationError({"address_id": [ErrorDetail("You have no address with this id.",
                                                              code="does_not_exist")]})  # fmt: skip
        return {field: getattr(address, field) for field in ADDRESS_FIELDS}
    if shipping_address is None:
        raise ValidationError({"shipping_address": [ErrorDetail("Give a shipping_address or an address_id.",
                                                                code="required")]})  # fmt: skip
    return {field: shipping_address.get(field, "") for field in ADDRESS_FIELDS}


def _merged(items: Sequence[ItemRequest]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for item in items:
        merged[item.variant_id] = merged.get(item.variant_id, 0) + item.quantity
    return merged


def _variants(quantities: dict[int, int], store: StoreConfig) -> dict[int, ProductVariant]:
    """The variants asked for; unknown ids and lines over the per-line limit are a 400."""
    variants = ProductVariant.objects.select_related("product__category").in_bulk(list(quantities))
    errors = []
    for variant_id, quantity in quantities.items():
        if variant_id not in variants:
            errors.append(ErrorDetail(f"There is no variant {variant_id}.", code="does_not_exist"))
        elif quantity > store.max_quantity_per_line:
            errors.append(ErrorDetail(
                f"At most {store.max_quantity_per_line} of {variants[variant_id].sku} per order.",
                code="quantity_limit",
            ))  # fmt: skip
    if errors:
        raise ValidationError({"items": errors})
    return variants


def _create(
    *, user: User, payment_method: str, address: dict, priced: Totals, coupon, phone: str, note: str,
    store: StoreConfig,
) -> Order:  # fmt: skip
    prepaid = payment_method != PaymentMethod.COD
    fields = {
        "user": user,
        "email": user.email,
        "phone": phone or address.get("phone") or user.phone,
        "payment_method": payment_method,
        "payment_status": OrderPaymentStatus.UNPAID,
        "stock_state": StockState.RESERVED,
        "subtotal": priced.subtotal,
        "discount_total": priced.discount_total,
        "shipping_fee": priced.shipping_fee,
        "tax_total": priced.tax_total,
        "tax_rate": store.tax_rate,
        "prices_include_tax": store.prices_include_tax,
        "total": priced.total,
        "currency": priced.currency,
        "coupon": coupon,
        "coupon_code": coupon.code if coupon else "",
        "shipping_address": address,
        "shipping_county": address.get("county", ""),
        "customer_note": note,
        # Cash on delivery holds its units until staff accept or cancel it: no deadline.
        "reserved_until": timezone.now() + timedelta(minutes=store.reservation_minutes) if prepaid else None,
    }
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Order.objects.create(number=order_number_new(), **fields)
        except IntegrityError:  # the one-in-a-trillion clash of random numbers
            continue
    raise RuntimeError("Could not find a free order number in 5 tries.")


def _snapshot(order: Order, line: PricedLine) -> OrderLine:
    variant = line.variant
    return OrderLine(
        order=order,
        product=variant.product,
        variant=variant,
        product_name=variant.product.name,
        variant_name=variant.name,
        sku=variant.sku,
        unit_price=line.unit_price,
        quantity=line.quantity,
        line_total=line.line_total,
    )
