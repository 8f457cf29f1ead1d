"""The orders back office: what staff see and do in the Django admin, moving orders only through the lifecycle."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from accounts.models import Role
from accounts.tests.factories import UserFactory
from catalog.models import Coupon, DiscountKind
from catalog.tests.factories import VariantFactory
from core.store import store_settings_record
from orders.models import Order, OrderStatus, StockState
from orders.services.lifecycle import order_mark_paid, order_set_status

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/orders/order/"


@pytest.fixture
def browser(staff_user) -> Client:
    """A shop assistant signed in to the admin: role staff, not a superuser."""
    assert not staff_user.is_superuser
    client = Client()
    client.force_login(staff_user)
    return client


def change_url(order: Order) -> str:
    return f"{CHANGELIST}{order.pk}/change/"


def refreshed(order: Order) -> Order:
    order.refresh_from_db()
    return order


def run_action(browser: Client, action: str, *orders: Order, **form) -> str:
    page = browser.post(CHANGELIST, {"action": action, "_selected_action": [o.pk for o in orders], **form}, follow=True)
    assert page.status_code == 200
    return page.text


def move(browser: Client, order: Order, to: str, **form):
    return browser.post(f"{CHANGELIST}{order.pk}/move/", {"to": to, **form})


def history_of(order: Order) -> list[tuple[str, str, str | None]]:
    return [(step.from_status, step.status, step.actor.email if step.actor else None) for step in order.history.all()]


# --- The list ---------------------------------------------------------------------------------------


def test_the_order_list_shows_each_order_with_its_total_and_an_invoice_link(browser, place, phone):
    order = place((phone, 2), payment_method="cod")

    page = browser.get(CHANGELIST)

    assert page.status_code == 200
    assert order.number in page.text
    assert "wanjiku@example.com" in page.text
    assert "KES 2,620.00" in page.text  # 2 x 1,160 and 300 delivery to Nairobi, VAT included
    assert "Cash on delivery" in page.text
    assert f"{CHANGELIST}{order.pk}/invoice/" in page.text


def test_the_order_list_filters_by_status_and_needs_attention(browser, place, phone, charger, staff_user):
    accepted = place((phone, 1), payment_method="cod")
    order_set_status(order=accepted, to=OrderStatus.PROCESSING, actor=staff_user)
    waiting = place((charger, 1), payment_method="cod")
    Order.objects.filter(pk=waiting.pk).update(needs_attention=True, attention_reason="Customer called")

    by_status = browser.get(CHANGELIST, {"status__exact": "processing"}).text
    flagged = browser.get(CHANGELIST, {"needs_attention__exact": "1"}).text

    assert accepted.number in by_status and waiting.number not in by_status
    assert waiting.number in flagged and accepted.number not in flagged


@pytest.mark.parametrize("typed", ["0712 345 678", "+254712345678", "wanjiku@example"])
def test_staff_find_an_order_by_the_phone_or_email_however_it_is_typed(browser, place, phone, typed):
    order = place((phone, 1))  # the address's phone, 254712345678, becomes the order's
    other = place((phone, 1), user=UserFactory(phone="254799999999"), phone="254799999999")

    page = browser.get(CHANGELIST, {"q": typed}).text

    assert order.number in page
    assert other.number not in page


def test_staff_find_an_order_by_its_number(browser, place, phone):
    order, other = place((phone, 1)), place((phone, 1))

    page = browser.get(CHANGELIST, {"q": order.number}).text

    assert order.number in page and other.number not in page


def test_the_order_list_costs_the_same_queries_for_two_orders_as_for_twenty(
    browser, place, django_assert_max_num_queries
):
    plenty = VariantFactory(stock_quantity=100, reorder_point=0)
    for _ in range(2):
        place((plenty, 1), payment_method="cod")
    browser.get(CHANGELIST)  # warm the process-wide caches (content types, store settings) first
    with CaptureQueriesContext(connection) as two:
        assert browser.get(CHANGELIST).status_code == 200
    for _ in range(18):
        place((plenty, 1), payment_method="cod")

    with django_assert_max_num_queries(len(two.captured_queries)):
        page = browser.get(CHANGELIST)

    assert page.text.count("/invoice/") == 20


def test_the_order_list_counts_days_and_shows_times_in_the_shops_time_zone(browser, place, phone):
    with time_machine.travel(datetime(2025, 3, 1, 22, 30, tzinfo=UTC), tick=False):
        late = place((phone, 1))  # 01:30 on 2 March in Nairobi

    on_the_second = browser.get(CHANGELIST, {"created_at__year": 2025, "created_at__month": 3, "created_at__day": 2})
    on_the_first = browser.get(CHANGELIST, {"created_at__year": 2025, "created_at__month": 3, "created_at__day": 1})

    assert late.number in on_the_second.text and "1:30 a.m." in on_the_second.text
    assert late.number not in on_the_first.text


def test_orders_are_neither_added_nor_deleted_in_the_admin(browser, place, phone):
    order = place((phone, 1))

    assert browser.get(f"{CHANGELIST}add/").status_code == 403
    assert browser.get(f"{CHANGELIST}{order.pk}/delete/").status_code == 403
    assert 'value="delete_selected"' not in browser.get(CHANGELIST).text
    assert Order.objects.filter(pk=order.pk).exists()


def test_a_customer_cannot_reach_the_orders_admin(customer, place, phone):
    order = place((phone, 1))
    client = Client()
    client.force_login(customer)

    for url in (CHANGELIST, change_url(order), f"{CHANGELIST}{order.pk}/invoice/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    response = move(client, order, "cancelled")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert refreshed(order).status == "pending"


# --- The order page ---------------------------------------------------------------------------------


def test_the_order_page_shows_lines_history_and_the_moves_a_cash_order_may_make(browser, place, phone):
    order = place((phone, 2), payment_method="cod", customer_note="Call before delivering")

    page = browser.get(change_url(order))

    assert page.status_code == 200
    text = page.text
    assert "TEC-SPARK20" in text and "Tecno Spark 20" in text and "2320.00" in text
    assert "Call before delivering" in text
    assert "status history" in text.lower()
    assert 'name="to" value="processing"' in text and "Accept (processing)" in text
    assert 'name="to" value="cancelled"' in text
    assert 'value="shipped"' not in text and 'value="delivered"' not in text
    assert "not paid in time" not in text  # only prepaid orders expire
    assert f"{CHANGELIST}{order.pk}/invoice/" in text


def test_a_pending_prepaid_order_offers_only_cancelling_and_explains_the_payment(browser, place, phone):
    order = place((phone, 1), payment_method="mpesa")

    text = browser.get(change_url(order)).text

    assert 'name="to" value="cancelled"' in text
    assert 'value="processing"' not in text
    assert "paid, when the payment arrives" in text


def test_a_cancelled_order_says_it_can_move_no_further(browser, place, phone, staff_user):
    order = place((phone, 1), payment_method="cod")
    order_set_status(order=order, to=OrderStatus.CANCELLED, actor=staff_user, note="Duplicate")

    text = browser.get(change_url(order)).text

    assert "cannot move any further" in text
    assert 'name="to"' not in text


def change_form(order: Order, **fields) -> dict:
    """The order form as the admin page posts it: the editable fields and the inlines' management forms."""
    form = {
        "tracking_number": order.tracking_number, "carrier": order.carrier, "attention_reason": order.attention_reason,
        **({"needs_attention": "on"} if order.needs_attention else {}),
    }  # fmt: skip
    for prefix in ("lines", "history", "refunds"):
        form.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    form.update(fields)
    return form


def test_posting_the_order_form_saves_delivery_details_but_never_the_status_or_money(browser, place, phone):
    order = place((phone, 1), payment_method="cod")

    response = browser.post(
        change_url(order),
        change_form(order, tracking_number="G4S-1234", carrier="G4S", status="delivered", total="1.00",
                    payment_status="paid", stock_state="released"),
    )  # fmt: skip

    assert response.status_code == 302, response.content.decode()[:2000]
    order.refresh_from_db()
    assert (order.tracking_number, order.carrier) == ("G4S-1234", "G4S")
    assert (order.status, order.payment_status, order.stock_state) == ("pending", "unpaid", StockState.RESERVED)
    assert order.total == Decimal("1460.00")
    assert order.history.count() == 1


def test_staff_clear_the_needs_attention_flag_once_handled(browser, place, phone):
    order = place((phone, 1), payment_method="cod")
    Order.objects.filter(pk=order.pk).update(needs_attention=True, attention_reason="Paid twice: refund one")
    order.refresh_from_db()

    response = browser.post(change_url(order), change_form(order, needs_attention="", attention_reason="Refunded"))

    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.needs_attention, order.attention_reason) == (False, "Refunded")


# --- Actions ----------------------------------------------------------------------------------------


def test_accepting_moves_cash_orders_and_refuses_an_unpaid_prepaid_one(browser, place, phone, charger, staff_user):
    first, second = place((phone, 2), payment_method="cod"), place((charger, 1), payment_method="cod")
    unpaid = place((phone, 1), payment_method="mpesa")

    page = run_action(browser, "accept", first, second, unpaid)

    assert "2 orders accepted (processing)." in page
    assert f"{unpaid.number} not moved: A prepaid order is prepared only once it is paid." in page
    assert (refreshed(first).status, refreshed(second).status, refreshed(unpaid).status) == (
        "processing", "processing", "pending",
    )  # fmt: skip
    assert history_of(first) == [("", "pending", "wanjiku@example.com"), ("pending", "processing", staff_user.email)]
    assert refreshed(first).stock_state == StockState.SOLD
    phone.refresh_from_db()
    assert (phone.stock_quantity, phone.reserved_quantity) == (3, 1)  # two sold, one still held for the unpaid order


def test_shipping_from_the_list_records_the_carrier_and_the_note(browser, place, phone, staff_user):
    order = place((phone, 1), payment_method="cod")
    order_set_status(order=order, to=OrderStatus.PROCESSING, actor=staff_user)

    page = run_action(browser, "mark_shipped", order, carrier="Sendy", note="Left the shop at 10")

    assert "1 order marked shipped." in page
    order.refresh_from_db()
    assert (order.status, order.carrier) == ("shipped", "Sendy")
    last = order.history.last()
    assert (last.status, last.note, last.actor) == ("shipped", "Left the shop at 10", staff_user)


def test_delivering_refuses_an_order_that_has_not_shipped_and_moves_the_shipped_one(browser, place, phone, staff_user):
    shipped = place((phone, 1), payment_method="cod")
    order_set_status(order=shipped, to=OrderStatus.PROCESSING, actor=staff_user)
    order_set_status(order=shipped, to=OrderStatus.SHIPPED, actor=staff_user)
    waiting = place((phone, 1), payment_method="cod")

    page = run_action(browser, "mark_delivered", shipped, waiting)

    assert "1 order marked delivered." in page
    assert f"{waiting.number} not moved: An order that is pending cannot become delivered." in page
    assert (refreshed(shipped).status, refreshed(waiting).status) == ("delivered", "pending")
    assert refreshed(shipped).history.last().actor == staff_user


def test_cancelling_from_the_list_is_a_staff_cancel_that_puts_stock_back_and_refunds(browser, place, phone,
                                                                                      staff_user):  # fmt: skip
    paid = place((phone, 2))
    order_mark_paid(order=paid, amount=paid.total, reference="QK12ABC")
    order_set_status(order=paid, to=OrderStatus.PROCESSING, actor=staff_user)  # past what a customer may cancel
    delivered = place((phone, 1), payment_method="cod")
    for to in (OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        order_set_status(order=delivered, to=to, actor=staff_user)

    page = run_action(browser, "cancel", paid, delivered, confirm="yes")

    assert "1 order cancelled." in page
    assert f"{delivered.number} not moved: An order that is delivered cannot become cancelled." in page
    paid.refresh_from_db()
    assert (paid.status, paid.payment_status, paid.amount_refunded) == ("cancelled", "refunded", paid.total)
    last = paid.history.last()
    assert (last.status, last.actor) == ("cancelled", staff_user)
    assert last.note == "Cancelled by the shop"
    phone.refresh_from_db()
    assert (phone.stock_quantity, phone.reserved_quantity) == (4, 0)  # the two restocked; one delivered
    assert refreshed(delivered).status == "delivered"


def test_cancelling_from_the_list_asks_first_showing_what_will_be_refunded(browser, place, phone, charger):
    paid, unpaid = place((phone, 1)), place((charger, 1), payment_method="cod")
    order_mark_paid(order=paid, amount=paid.total)

    page = browser.post(CHANGELIST, {"action": "cancel", "_selected_action": [paid.pk, unpaid.pk], "note": "Fraud"})

    assert page.status_code == 200
    assert "Cancel 2 orders?" in page.text and "cannot be undone" in page.text
    assert paid.number in page.text and unpaid.number in page.text
    assert "KES 1,460.00" in page.text  # what goes back to the paying customer
    assert 'name="confirm" value="yes"' in page.text and 'value="Fraud"' in page.text
    assert (refreshed(paid).status, refreshed(unpaid).status) == ("paid", "pending")


def test_saying_yes_on_the_confirmation_page_cancels_the_orders(browser, place, phone, staff_user):
    first, second = place((phone, 1), payment_method="cod"), place((phone, 1), payment_method="cod")
    page = browser.post(CHANGELIST, {"action": "cancel", "_selected_action": [first.pk, second.pk]})

    done = browser.post(CHANGELIST, form_fields(page.text), follow=True)

    assert "2 orders cancelled." in done.text
    assert (refreshed(first).status, refreshed(second).status) == ("cancelled", "cancelled")
    assert first.history.last().actor == staff_user


def form_fields(html: str) -> dict[str, list[str]]:
    """What a browser would post from the page's last form: its hidden and text inputs."""
    fields: dict[str, list[str]] = {}
    pattern = r'<input type="(?:hidden|text)" name="([^"]+)"(?:[^>]*?value="([^"]*)")?'
    for name, value in re.findall(pattern, html[html.rindex("<form") :]):
        if name != "csrfmiddlewaretoken":
            fields.setdefault(name, []).append(value)
    return fields


# --- The status buttons -----------------------------------------------------------------------------


def test_the_ship_button_moves_the_order_with_its_tracking_number(browser, place, phone, staff_user):
    order = place((phone, 1), payment_method="cod")
    assert move(browser, order, "processing").status_code == 302

    response = move(browser, order, "shipped", tracking_number="SND-778", carrier="Sendy", note="Rider Otieno")

    assert response.status_code == 302 and response["Location"] == change_url(order)
    order.refresh_from_db()
    assert (order.status, order.tracking_number, order.carrier) == ("shipped", "SND-778", "Sendy")
    assert history_of(order)[1:] == [("pending", "processing", staff_user.email), ("processing", "shipped",
                                                                                    staff_user.email)]  # fmt: skip
    assert order.history.last().note == "Rider Otieno"
    assert f"Order {order.number} is now shipped." in browser.get(change_url(order)).text


@pytest.mark.parametrize(
    ("to", "reason"),
    [
        ("delivered", "An order that is pending cannot become delivered."),
        ("paid", "Staff cannot set 'paid': it follows from payments and refunds."),
        ("nonsense", "Staff cannot set 'nonsense'"),
    ],
)
def test_a_refused_move_shows_why_and_leaves_the_order_as_it_was(browser, place, phone, to, reason):
    order = place((phone, 1), payment_method="cod")

    response = move(browser, order, to)

    assert response.status_code == 302
    assert escape(reason) in browser.get(response["Location"]).text
    assert refreshed(order).status == "pending"
    assert order.history.count() == 1


def test_the_cancel_button_says_how_much_was_recorded_as_refunded(browser, place, phone, staff_user):
    order = place((phone, 1))
    order_mark_paid(order=order, amount=order.total)

    response = move(browser, order, "cancelled", note="Out of stock at the supplier", confirm="yes")

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order.history.last().note == "Cancelled by the shop: Out of stock at the supplier"
    assert "KES 1,460.00 recorded as refunded" in browser.get(response["Location"]).text


def test_the_cancel_button_asks_first(browser, place, phone):
    order = place((phone, 1), payment_method="cod")

    page = move(browser, order, "cancelled", note="Customer changed their mind")

    assert page.status_code == 200
    assert "Cancel 1 order?" in page.text and order.number in page.text
    assert f'action="{CHANGELIST}{order.pk}/move/"' in page.text and 'name="to" value="cancelled"' in page.text
    assert refreshed(order).status == "pending"


def test_the_status_buttons_accept_only_a_post_with_a_csrf_token(staff_user, place, phone):
    order = place((phone, 1), payment_method="cod")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff_user)

    assert strict.get(f"{CHANGELIST}{order.pk}/move/").status_code == 405
    assert move(strict, order, "processing").status_code == 403
    assert refreshed(order).status == "pending"


def test_moving_an_unknown_order_is_not_found(browser):
    assert browser.post(f"{CHANGELIST}999999/move/", {"to": "processing"}).status_code == 404


def test_staff_who_may_only_view_orders_see_the_moves_but_cannot_make_them(place, phone):
    viewer = UserFactory(role=Role.TECHNICIAN)
    viewer.user_permissions.add(*_permissions("view_order", "view_orderline", "view_orderstatusevent"))
    client = Client()
    client.force_login(viewer)
    order = place((phone, 1), payment_method="cod")

    page = client.get(change_url(order))

    assert page.status_code == 200
    assert 'name="to"' not in page.text and "you may view this order, not move it" in page.text
    assert move(client, order, "processing").status_code == 403
    assert refreshed(order).status == "pending"


def _permissions(*codenames):
    return Permission.objects.filter(content_type__app_label="orders", codename__in=codenames)


# --- The invoice ------------------------------------------------------------------------------------


def test_the_invoice_has_the_shop_the_customer_the_lines_and_the_totals(browser, place, phone, charger):
    record = store_settings_record()
    record.contact_email, record.contact_phone, record.address = "hello@duka.co.ke", "0700 123 456", "Moi Avenue 12"
    record.save()
    order = place((phone, 2), (charger, 1), payment_method="cod")

    page = browser.get(f"{CHANGELIST}{order.pk}/invoice/")

    assert page.status_code == 200
    text = page.text
    assert all(part in text for part in ("Duka", "hello@duka.co.ke", "0700 123 456", "Moi Avenue 12"))
    assert order.number in text and "Wanjiku Kariuki" in text and "wanjiku@example.com" in text
    assert "TEC-SPARK20" in text and "ORA-25W" in text
    assert "2,320.00" in text  # the phone line: 2 x 1,160.00
    assert "KES 3,120.00" in text  # 2,320 + 500 + 300 delivery
    assert "Tax 16% (incl.)" in text and "KES 430.34" in text
    assert "Cash on delivery" in text
    assert "@media print" in text and "window.print()" in text


def test_the_invoice_is_dated_in_the_shops_time_zone(browser, place, phone):
    with time_machine.travel(datetime(2025, 3, 1, 22, 30, tzinfo=UTC), tick=False):
        order = place((phone, 1))

    assert "2 March 2025, 01:30" in browser.get(f"{CHANGELIST}{order.pk}/invoice/").text


def test_the_invoice_shows_the_coupon_discount(browser, place, phone):
    Coupon.objects.create(code="KARIBU10", kind=DiscountKind.PERCENTAGE, value=Decimal("10"), is_active=True)
    order = place((phone, 1), payment_method="cod", coupon_code="KARIBU10")

    text = browser.get(f"{CHANGELIST}{order.pk}/invoice/").text

    assert order.discount_total == Decimal("116.00")
    assert "Discount (coupon KARIBU10)" in text and "116.00" in text


def test_the_packing_slip_leaves_the_prices_out(browser, place, phone):
    order = place((phone, 2), payment_method="cod")

    text = browser.get(f"{CHANGELIST}{order.pk}/invoice/", {"slip": "1"}).text

    assert "Packing slip" in text and "TEC-SPARK20" in text
    assert "2,320.00" not in text and "1,160.00" not in text


def test_the_invoice_of_an_unknown_order_is_not_found(browser):
    assert browser.get(f"{CHANGELIST}999999/invoice/").status_code == 404


def test_staff_without_the_orders_permission_cannot_open_an_invoice(place, phone):
    technician = UserFactory(role=Role.TECHNICIAN)  # signs in to the admin for repairs, not orders
    client = Client()
    client.force_login(technician)
    order = place((phone, 1))

    assert client.get(f"{CHANGELIST}{order.pk}/invoice/").status_code == 403


# --- Refunds ----------------------------------------------------------------------------------------


def test_refunds_are_listed_read_only(admin_user, place, phone, staff_user):
    order = place((phone, 1))
    order_mark_paid(order=order, amount=order.total)
    order_set_status(order=order, to=OrderStatus.CANCELLED, actor=staff_user, note="Customer asked")
    client = Client()
    client.force_login(admin_user)

    page = client.get("/admin/orders/orderrefund/")

    assert page.status_code == 200 and order.number in page.text
    assert client.get("/admin/orders/orderrefund/add/").status_code == 403
