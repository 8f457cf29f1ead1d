"""After checkout: payment, acceptance, shipping, cancellation, refunds and expiry, through one status machine."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from catalog.models import Coupon, CouponRedemption, MovementReason, ProductVariant, StockMovement
from core.models import Event, EventType
from core.testing import error_codes
from orders.models import Order, OrderRefund, OrderStatus, StockState
from orders.services.lifecycle import (
    TRANSITIONS,
    order_mark_paid,
    order_mark_payment_failed,
    order_payment_started,
    order_transition,
    reservations_expire,
)
from orders.tests.conftest import checkout_body

pytestmark = pytest.mark.django_db


def stock(variant) -> tuple[int, int]:
    variant.refresh_from_db()
    return variant.stock_quantity, variant.reserved_quantity


def status_of(order) -> tuple[str, str]:
    order.refresh_from_db()
    return order.status, order.payment_status


def post(client, order, action, body=None):
    return client.post(f"/api/v1/orders/{order.pk}/{action}", body or {}, format="json")


# --- Payment ------------------------------------------------------------------------------------


def test_a_paid_prepaid_order_sells_its_reserved_stock(place, phone, customer):
    order = place((phone, 2))

    order = order_mark_paid(order=order, amount=order.total, reference="QK12ABC")

    assert (order.status, order.payment_status) == ("paid", "paid")
    assert order.amount_paid == order.total
    assert order.reserved_until is None
    assert stock(phone) == (3, 0)
    assert StockMovement.objects.filter(variant=phone, reason=MovementReason.SALE, delta=-2).exists()
    phone.product.refresh_from_db()
    assert phone.product.units_sold == 2
    customer.refresh_from_db()
    assert (customer.orders_count, customer.total_spent) == (1, order.total)
    assert [step.status for step in order.history.all()] == ["pending", "paid"]
    assert Event.objects.filter(type=EventType.ORDER_PAID, payload__reference="QK12ABC").count() == 1


def test_marking_an_order_paid_twice_counts_it_once(place, phone, customer):
    order = place((phone, 1))

    order_mark_paid(order=order, amount=order.total)
    order_mark_paid(order=order, amount=order.total)

    assert stock(phone) == (4, 0)
    customer.refresh_from_db()
    assert customer.orders_count == 1
    assert order.history.count() == 2


def test_a_failed_payment_attempt_leaves_the_order_pending_and_payable(place, phone):
    order = place((phone, 1))
    order_payment_started(order=order)

    order_mark_payment_failed(order=order, reason="Request cancelled by user")

    assert status_of(order) == ("pending", "failed")
    assert stock(phone) == (5, 1)
    assert order_payment_started(order=order).payment_status == "pending"


def test_starting_a_payment_on_a_paid_or_cancelled_order_is_refused(place, phone, customer_api):
    from orders.exceptions import AlreadyPaid, OrderNotPayable

    paid = order_mark_paid(order=place((phone, 1)), amount=Decimal("1460.00"))
    cancelled = place((phone, 1))
    post(customer_api, cancelled, "cancel")

    with pytest.raises(AlreadyPaid):
        order_payment_started(order=paid)
    with pytest.raises(OrderNotPayable):
        order_payment_started(order=cancelled)


def test_cash_on_delivery_is_paid_without_changing_its_status(place, phone, staff_api):
    order = place((phone, 1), payment_method="cod")
    post(staff_api, order, "status", {"status": "processing"})

    order_mark_paid(order=order, amount=order.total, reference="cash")

    assert status_of(order) == ("processing", "paid")


# --- Staff moves ------------------------------------------------------------------------------


def test_staff_accept_a_cash_order_which_sells_its_stock(place, phone, staff_api):
    order = place((phone, 2), payment_method="cod")

    response = post(staff_api, order, "status", {"status": "processing", "note": "Confirmed by phone"})

    assert response.status_code == 200
    assert response.json()["status"] == "processing"
    assert response.json()["history"][-1] == {
        "status": "processing", "at": response.json()["history"][-1]["at"], "note": "Confirmed by phone",
        "actor": "staff",
    }  # fmt: skip
    assert stock(phone) == (3, 0)


def test_staff_ship_with_tracking_and_deliver(place, phone, staff_api, customer_api):
    order = order_mark_paid(order=place((phone, 1)), amount=Decimal("1460.00"))
    post(staff_api, order, "status", {"status": "processing"})

    shipped = post(staff_api, order, "status", {"status": "shipped", "tracking_number": "G4S-123", "carrier": "G4S"})
    delivered = post(staff_api, order, "status", {"status": "delivered"})

    assert shipped.json()["tracking_number"] == "G4S-123"
    assert delivered.json()["status"] == "delivered"
    track = customer_api.get(f"/api/v1/orders/{order.pk}/track").json()
    assert track["number"] == order.number
    assert (track["status"], track["tracking_number"], track["carrier"]) == ("delivered", "G4S-123", "G4S")
    assert [step["status"] for step in track["history"]] == ["pending", "paid", "processing", "shipped", "delivered"]


@pytest.mark.parametrize(
    ("payment_method", "path", "target"),
    [
        ("mpesa", [], "processing"),  # a prepaid order is prepared only once paid
        ("mpesa", [], "shipped"),
        ("cod", [], "shipped"),
        ("cod", [], "delivered"),
        ("cod", ["processing", "shipped", "delivered"], "processing"),
        ("cod", ["cancelled"], "processing"),
        ("mpesa", [], "paid"),  # payments make that move, not staff
        ("mpesa", [], "refunded"),
        ("mpesa", [], "failed"),
        ("mpesa", [], "pending"),
    ],
)
def test_forbidden_moves_answer_409_and_change_nothing(place, phone, staff_api, payment_method, path, target):
    order = place((phone, 1), payment_method=payment_method)
    for step in path:
        post(staff_api, order, "status", {"status": step})
    before = (status_of(order), stock(phone), order.history.count())

    response = post(staff_api, order, "status", {"status": target})

    assert response.status_code == 409
    assert error_codes(response) == ["invalid_transition"]
    assert (status_of(order), stock(phone), order.history.count()) == before


def test_the_table_has_no_way_out_of_cancelled_or_refunded():
    assert TRANSITIONS[OrderStatus.CANCELLED] == frozenset()
    assert TRANSITIONS[OrderStatus.REFUNDED] == frozenset()


def test_customers_cannot_set_a_status_or_refund(place, phone, customer_api):
    order = place((phone, 1))

    assert post(customer_api, order, "status", {"status": "processing"}).status_code == 403
    assert post(customer_api, order, "refund", {"reason": "x", "restock": False}).status_code == 403
    assert status_of(order) == ("pending", "unpaid")


@pytest.mark.parametrize(
    "body",
    [{}, {"status": "teleported"}, {"status": "shipped", "tracking_number": "x" * 101}, {"status": ["shipped"]}],
)
def test_a_bad_status_body_is_a_400(place, phone, staff_api, body):
    order = place((phone, 1), payment_method="cod")

    assert post(staff_api, order, "status", body).status_code == 400
    assert status_of(order) == ("pending", "unpaid")


def test_every_status_change_emails_the_customer(
    place, phone, staff_api, mailoutbox, django_capture_on_commit_callbacks
):
    order = place((phone, 1), payment_method="cod")
    with django_capture_on_commit_callbacks(execute=True):
        post(staff_api, order, "status", {"status": "processing"})
        post(staff_api, order, "status", {"status": "shipped", "tracking_number": "TRK-9"})

    subjects = [message.subject for message in mailoutbox]
    assert subjects == [f"Duka order {order.number}: processing", f"Duka order {order.number}: shipped"]
    assert "Tracking number: TRK-9" in mailoutbox[1].body
    assert mailoutbox[1].alternatives[0][1] == "text/html"


def test_every_status_change_records_an_event(place, phone, staff_user):
    order = place((phone, 1), payment_method="cod")

    order_transition(order=order, to="processing", actor=staff_user, note="ok")

    event = Event.objects.get(type=EventType.ORDER_STATUS_CHANGED)
    assert event.payload == {"order_id": order.pk, "number": order.number, "from": "pending", "to": "processing",
                             "note": "ok"}  # fmt: skip
    assert event.actor == staff_user


# --- Cancellation -----------------------------------------------------------------------------


def test_a_customer_cancels_a_pending_order_and_its_stock_and_coupon_come_back(place, phone, customer_api):
    coupon = Coupon.objects.create(code="ONE", kind="fixed", value=Decimal("10"), max_uses=1)
    order = place((phone, 2), coupon_code="ONE")

    response = post(customer_api, order, "cancel", {"reason": "Changed my mind"})

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["history"][-1]["note"] == "Changed my mind"
    assert stock(phone) == (5, 0)
    coupon.refresh_from_db()
    assert coupon.times_used == 0


def test_cancelling_a_paid_order_restocks_and_refunds_it(place, phone, customer_api, customer):
    order = order_mark_paid(order=place((phone, 2)), amount=Decimal("2620.00"))

    response = post(customer_api, order, "cancel", {"reason": "Found it cheaper"})

    assert response.json()["status"] == "cancelled"
    assert response.json()["payment_status"] == "refunded"
    assert stock(phone) == (5, 0)
    assert StockMovement.objects.filter(variant=phone, reason=MovementReason.CANCELLATION, delta=2).exists()
    refund = OrderRefund.objects.get(order=order)
    assert refund.amount == Decimal("2620.00")
    customer.refresh_from_db()
    assert (customer.orders_count, customer.total_spent) == (0, Decimal("0.00"))
    phone.product.refresh_from_db()
    assert phone.product.units_sold == 0


def test_a_customer_cannot_cancel_once_the_order_is_being_prepared(place, phone, customer_api, staff_api):
    order = place((phone, 1), payment_method="cod")
    post(staff_api, order, "status", {"status": "processing"})

    response = post(customer_api, order, "cancel", {"reason": "late"})

    assert response.status_code == 409
    assert error_codes(response) == ["invalid_transition"]


def test_staff_can_cancel_until_the_order_ships(place, phone, staff_api):
    processing = place((phone, 1), payment_method="cod")
    post(staff_api, processing, "status", {"status": "processing"})
    shipped = place((phone, 1), payment_method="cod")
    for step in ("processing", "shipped"):
        post(staff_api, shipped, "status", {"status": step})

    assert post(staff_api, processing, "cancel", {"reason": "No stock after all"}).status_code == 200
    assert post(staff_api, shipped, "cancel", {"reason": "too late"}).status_code == 409
    assert stock(phone) == (4, 0)


def test_cancelling_twice_is_refused(place, phone, customer_api):
    order = place((phone, 1))
    post(customer_api, order, "cancel")

    assert post(customer_api, order, "cancel").status_code == 409
    assert stock(phone) == (5, 0)


# --- Refunds ----------------------------------------------------------------------------------


def test_a_partial_refund_keeps_the_order_going(place, phone, staff_api, customer):
    order = order_mark_paid(order=place((phone, 2)), amount=Decimal("2620.00"))

    response = post(staff_api, order, "refund", {"amount": "500.00", "reason": "Scratched box", "restock": False})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["payment_status"]) == ("paid", "partially_refunded")
    customer.refresh_from_db()
    assert (customer.orders_count, customer.total_spent) == (1, Decimal("2120.00"))


def test_a_full_refund_with_restock_puts_the_units_back(place, phone, staff_api):
    order = order_mark_paid(order=place((phone, 2)), amount=Decimal("2620.00"))
    for step in ("processing", "shipped", "delivered"):
        post(staff_api, order, "status", {"status": step})

    response = post(staff_api, order, "refund", {"reason": "Returned", "restock": True})

    assert (response.json()["status"], response.json()["payment_status"]) == ("refunded", "refunded")
    assert stock(phone) == (5, 0)
    assert StockMovement.objects.filter(variant=phone, reason=MovementReason.RETURN, delta=2).exists()
    order.refresh_from_db()
    assert order.stock_state == StockState.RELEASED


def test_a_refund_can_restock_chosen_units_only(place, phone, charger, staff_api):
    order = order_mark_paid(order=place((phone, 2), (charger, 1)), amount=Decimal("3120.00"))
    phone_line = order.lines.get(variant=phone)

    response = post(staff_api, order, "refund", {"amount": "1160.00", "reason": "One phone back", "restock": True,
                                                 "lines": [{"line_id": phone_line.pk, "quantity": 1}]})  # fmt: skip

    assert response.status_code == 200
    assert stock(phone) == (4, 0)
    assert stock(charger) == (19, 0)


def test_refunds_never_exceed_what_was_paid(place, phone, staff_api):
    order = order_mark_paid(order=place((phone, 1)), amount=Decimal("1460.00"))
    post(staff_api, order, "refund", {"amount": "1000.00", "reason": "a", "restock": False})

    too_much = post(staff_api, order, "refund", {"amount": "460.01", "reason": "b", "restock": False})
    rest = post(staff_api, order, "refund", {"reason": "rest", "restock": False})
    again = post(staff_api, order, "refund", {"reason": "again", "restock": False})

    assert too_much.status_code == 400
    assert rest.json()["payment_status"] == "refunded"
    assert again.status_code == 409
    assert error_codes(again) == ["refund_not_allowed"]
    assert sum(r.amount for r in OrderRefund.objects.filter(order=order)) == Decimal("1460.00")


def test_an_unpaid_order_cannot_be_refunded(place, phone, staff_api):
    order = place((phone, 1))

    response = post(staff_api, order, "refund", {"reason": "x", "restock": True})

    assert response.status_code == 409
    assert error_codes(response) == ["refund_not_allowed"]
    assert stock(phone) == (5, 1)


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "x"},
        {"restock": True},
        {"amount": "-5", "reason": "x", "restock": False},
        {"amount": "abc", "reason": "x", "restock": False},
        {"amount": "NaN", "reason": "x", "restock": False},
        {"reason": "x", "restock": "maybe"},
        {"reason": "x", "restock": True, "lines": [{"line_id": 999999, "quantity": 1}]},
        {"reason": "x", "restock": True, "lines": [{"line_id": "a", "quantity": 1}]},
    ],
)
def test_bad_refunds_are_400_and_change_nothing(place, phone, staff_api, body):
    order = order_mark_paid(order=place((phone, 1)), amount=Decimal("1460.00"))

    assert post(staff_api, order, "refund", body).status_code == 400
    assert status_of(order) == ("paid", "paid")
    assert stock(phone) == (4, 0)
    assert not OrderRefund.objects.exists()


# --- Expiry -----------------------------------------------------------------------------------


def test_an_unpaid_prepaid_order_fails_when_its_reservation_runs_out(place, phone, charger):
    unpaid = place((phone, 2))
    cash = place((charger, 1), payment_method="cod")
    paid = order_mark_paid(order=place((phone, 1)), amount=Decimal("1460.00"))

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert reservations_expire() == 1

    assert status_of(unpaid) == ("failed", "failed")
    assert status_of(cash) == ("pending", "unpaid")
    assert status_of(paid) == ("paid", "paid")
    assert stock(phone) == (4, 0)
    assert unpaid.history.last().note == "Not paid in time; the items were released."


def test_nothing_expires_before_its_time(place, phone):
    order = place((phone, 1))

    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        assert reservations_expire() == 0

    assert status_of(order) == ("pending", "unpaid")


def test_the_expire_reservations_command_reports_what_it_did(place, phone, capsys):
    place((phone, 1))
    place((phone, 1))

    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        call_command("expire_reservations")

    assert "2 orders expired." in capsys.readouterr().out
    assert stock(phone) == (5, 0)


def test_a_payment_after_expiry_takes_the_stock_again_when_it_is_there(place, phone):
    order = place((phone, 2))
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        reservations_expire()

    order = order_mark_paid(order=order, amount=order.total, reference="LATE1")

    assert (order.status, order.payment_status, order.needs_attention) == ("paid", "paid", False)
    assert stock(phone) == (3, 0)


def test_a_payment_after_expiry_when_the_stock_is_gone_is_kept_and_flagged(place, phone, customer):
    order = place((phone, 2))
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        reservations_expire()
    ProductVariant.objects.filter(pk=phone.pk).update(stock_quantity=1)

    order = order_mark_paid(order=order, amount=order.total, reference="LATE2")

    assert (order.status, order.payment_status) == ("paid", "paid")
    assert order.needs_attention is True
    assert "stock is gone" in order.attention_reason
    assert order.stock_state == StockState.RELEASED
    assert stock(phone) == (1, 0)
    customer.refresh_from_db()
    assert customer.total_spent == order.total


def test_money_for_a_cancelled_order_is_kept_and_flagged(place, phone, customer_api):
    order = place((phone, 1))
    post(customer_api, order, "cancel")

    order = order_mark_paid(order=order, amount=Decimal("1460.00"), reference="LATE3")

    assert (order.status, order.payment_status, order.needs_attention) == ("cancelled", "paid", True)
    assert stock(phone) == (5, 0)


def test_an_expired_orders_coupon_use_is_given_back(place, phone):
    coupon = Coupon.objects.create(code="LAST", kind="fixed", value=Decimal("10"), max_uses=1)
    order = place((phone, 1), coupon_code="LAST")

    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        reservations_expire()

    coupon.refresh_from_db()
    assert coupon.times_used == 0
    assert Order.objects.get(pk=order.pk).coupon_code == "LAST"


def test_the_next_moves_follow_the_kind_of_order(place, phone):
    from orders.services.lifecycle import allowed_moves

    assert allowed_moves(place((phone, 1))) == ["paid", "cancelled", "failed"]
    assert allowed_moves(place((phone, 1), payment_method="cod")) == ["processing", "cancelled"]


def test_a_cash_order_never_fails_for_want_of_payment(place, phone):
    from orders.exceptions import InvalidTransition

    order = place((phone, 1), payment_method="cod")

    with pytest.raises(InvalidTransition):
        order_transition(order=order, to="failed")
    assert status_of(order) == ("pending", "unpaid")


def test_paying_after_expiry_takes_back_the_coupon_use_so_a_once_per_customer_coupon_cannot_be_reused(
    place, phone, customer_api, address
):
    coupon = Coupon.objects.create(code="ONCE", kind="fixed", value=Decimal("10"), max_uses_per_customer=1)
    order = place((phone, 1), coupon_code="ONCE")
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        reservations_expire()

    order_mark_paid(order=order, amount=order.total, reference="LATE4")

    coupon.refresh_from_db()
    assert coupon.times_used == 1
    assert CouponRedemption.objects.filter(coupon=coupon, order_id=order.pk).exists()
    again = customer_api.post(
        "/api/v1/orders", checkout_body(address.pk, (phone, 1), coupon_code="ONCE"), format="json"
    )
    assert again.status_code == 400
    assert error_codes(again) == ["coupon_invalid"]


def test_paying_after_expiry_when_the_coupons_last_use_went_to_another_order_counts_it_and_flags_the_order(
    place, phone, charger
):
    coupon = Coupon.objects.create(code="LAST", kind="fixed", value=Decimal("10"), max_uses=1)
    late = place((phone, 1), coupon_code="LAST")
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        reservations_expire()
    place((charger, 1), coupon_code="LAST")  # the released use, taken by the next checkout

    late = order_mark_paid(order=late, amount=late.total, reference="LATE5")

    coupon.refresh_from_db()
    assert coupon.times_used == 2
    assert late.status == "paid"
    assert late.needs_attention is True
    assert "Coupon LAST" in late.attention_reason


def test_a_full_refund_of_a_pending_cash_order_refunds_it_releases_its_stock_and_it_can_no_longer_ship(
    place, phone, staff_api
):
    order = place((phone, 1), payment_method="cod")
    assert post(staff_api, order, "record-cash", {"amount": "1460.00"}).status_code == 200

    response = post(staff_api, order, "refund", {"reason": "Customer changed their mind", "restock": False})

    assert response.status_code == 200
    assert status_of(order) == ("refunded", "refunded")
    assert stock(phone) == (5, 0)
    assert order.reserved_until is None
    accept = post(staff_api, order, "status", {"status": "processing"})
    assert accept.status_code == 409
    assert error_codes(accept) == ["invalid_transition"]
    assert stock(phone) == (5, 0)
