"""Emails to the customer: one when the order is placed, one for every later change of status."""

from core.emails import send_templated_email
from orders.models import Order, OrderStatus

STATUS_MESSAGES = {
    OrderStatus.PAID: "We have received your payment. We are getting your order ready.",
    OrderStatus.PROCESSING: "Your order is being prepared.",
    OrderStatus.SHIPPED: "Your order is on its way.",
    OrderStatus.DELIVERED: "Your order has been delivered. Thank you for shopping with us.",
    OrderStatus.CANCELLED: "Your order has been cancelled. Any payment made will be refunded.",
    OrderStatus.FAILED: "Your order could not be completed because it was not paid in time. "
    "The items have been released; you are welcome to order again.",
    OrderStatus.REFUNDED: "Your order has been refunded.",
}


def order_placed(*, order: Order, lines) -> None:
    if order.is_prepaid:
        next_step = "Complete the payment to confirm it; the items are held for you until then."
    else:
        next_step = "You pay in cash on delivery. We will let you know when it is on its way."
    send_templated_email(
        to=order.email, template="order_placed", context={"order": order, "lines": lines, "next_step": next_step}
    )


def status_changed(*, order: Order, note: str) -> None:
    send_templated_email(
        to=order.email,
        template="order_status",
        context={
            "order": order,
            "status_label": OrderStatus(order.status).label,
            "message": STATUS_MESSAGES.get(order.status, f"Your order is now {order.status}."),
            "note": note,
        },
    )
