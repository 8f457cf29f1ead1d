"""
The payments back office: staff read payments and the raw callbacks behind them, ask M-Pesa about
a late one, clear flags, and see everything waiting for them on one page; nothing here changes a
payment's money. Payments come from the services and callbacks through the callback endpoint,
with Daraja on loopback.
"""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Role
from accounts.tests.factories import UserFactory
from catalog.models import ProductVariant
from catalog.tests.factories import VariantFactory
from orders.models import Order, OrderRefund, OrderStatus
from orders.services.lifecycle import order_cancel, order_refund, reservations_expire
from payments import services
from payments.exceptions import GatewayError
from payments.models import GatewayNotification, Payment
from payments.tests.conftest import (
    CALLBACK_TOKEN,
    intent_created,
    payment_intent,
    push_accepted,
    stk_callback,
    stripe_event,
    stripe_signature,
    token_ok,
)

pytestmark = pytest.mark.django_db

PAYMENTS = "/admin/payments/payment/"
NOTIFICATIONS = "/admin/payments/gatewaynotification/"
ATTENTION = f"{PAYMENTS}attention/"
CALLBACK = f"/api/v1/payments/callbacks/stk/{CALLBACK_TOKEN}"
STK_QUERY = "/mpesa/stkpushquery/v1/query"


@pytest.fixture
def browser(staff_user) -> Client:
    """A shop assistant signed in to the admin: role staff, not a superuser."""
    assert not staff_user.is_superuser
    client = Client()
    client.force_login(staff_user)
    return client


@pytest.fixture
def push(daraja, place):
    """`push("ws_CO_1")`: an order of one phone (1,460.00 delivered) with an STK push Daraja accepted as that id."""
    token_ok(daraja)
    phone = VariantFactory(price=Decimal("1160.00"), stock_quantity=100, reorder_point=0)

    def _push(checkout_id: str, *, payer: str = "0712345678", **order_fields) -> Payment:
        push_accepted(daraja, checkout_id)
        return services.mpesa_push(order=place((phone, 1), **order_fields), phone=payer)

    return _push


@pytest.fixture
def cash_paid(place):
    """`cash_paid()`: a cash-on-delivery order paid to the rider, as `record-cash` does; returns the payment."""
    plenty = VariantFactory(stock_quantity=100, reorder_point=0)

    def _cash_paid() -> Payment:
        order = place((plenty, 1), payment_method="cod")
        return services.cash_record(order=order, amount=order.total, actor=None)

    return _cash_paid


def callback(body):
    """Safaricom's POST to the callback endpoint, from a client with no session."""
    return Client().post(CALLBACK, json.dumps(body), content_type="application/json")


def stk_query_answers(daraja, body: dict, status: int = 200):
    daraja.expect_request(STK_QUERY, method="POST").respond_with_json(body, status=status)


def change_url(payment: Payment) -> str:
    return f"{PAYMENTS}{payment.pk}/change/"


def listed(page_text: str) -> set[int]:
    """The payments a changelist shows, by the id in each row's change link."""
    return {int(pk) for pk in re.findall(rf'href="{PAYMENTS}(\d+)/change/', page_text)}


def refreshed(instance):
    instance.refresh_from_db()
    return instance


def run_action(browser: Client, action: str, *payments: Payment) -> str:
    page = browser.post(PAYMENTS, {"action": action, "_selected_action": [p.pk for p in payments]}, follow=True)
    assert page.status_code == 200
    return page.text


def change_form(payment: Payment, **fields) -> dict:
    """The payment form as the admin page posts it: the editable fields and the inline's management form."""
    form = {
        "attention_reason": payment.attention_reason,
        **({"needs_attention": "on"} if payment.needs_attention else {}),
    }
    form.update({"notifications-TOTAL_FORMS": "0", "notifications-INITIAL_FORMS": "0"})
    form.update(fields)
    return form


# --- The list ---------------------------------------------------------------------------------------


def test_the_payment_list_shows_each_payment_with_its_order_amount_receipt_and_phone(browser, push):
    payment = push("ws_CO_1")
    order = payment.order
    callback(stk_callback("ws_CO_1", amount=1460, receipt="QK12ABC34D"))

    page = browser.get(PAYMENTS)

    assert page.status_code == 200
    text = page.text
    assert f'href="/admin/orders/order/{order.pk}/change/">{order.number}</a>' in text
    assert "KES 1,460.00" in text
    assert "QK12ABC34D" in text and "254712345678" in text
    assert "M-Pesa (Daraja)" in text and "Succeeded" in text
    assert listed(text) == {payment.pk}


def test_the_payment_list_filters_by_status_method_gateway_and_needs_attention(browser, push, cash_paid):
    paid = push("ws_CO_paid")
    callback(stk_callback("ws_CO_paid", amount=1460, receipt="QK1"))
    short = push("ws_CO_short")
    callback(stk_callback("ws_CO_short", amount=10, receipt="QK2"))  # 10 instead of 1,460: flagged
    cash = cash_paid()

    def shown(**query) -> set[int]:
        page = browser.get(PAYMENTS, query)
        assert page.status_code == 200, query  # a lookup the admin refuses redirects with ?e=1
        return listed(page.text)

    assert shown(status__exact="succeeded") == {paid.pk, cash.pk}
    assert shown(status__exact="pending") == {short.pk}
    assert shown(method__exact="cod") == {cash.pk}
    assert shown(gateway__exact="mpesa") == {paid.pk, short.pk}
    assert shown(needs_attention__exact="1") == {short.pk}


def test_the_payment_list_drills_down_by_day_in_the_shops_time_zone(browser, cash_paid):
    from datetime import UTC, datetime

    with time_machine.travel(datetime(2025, 3, 1, 22, 30, tzinfo=UTC), tick=False):
        late = cash_paid()  # 01:30 on 2 March in Nairobi

    on_the_second = browser.get(PAYMENTS, {"created_at__year": 2025, "created_at__month": 3, "created_at__day": 2})
    on_the_first = browser.get(PAYMENTS, {"created_at__year": 2025, "created_at__month": 3, "created_at__day": 1})

    assert listed(on_the_second.text) == {late.pk} and "1:30 a.m." in on_the_second.text
    assert listed(on_the_first.text) == set()


@pytest.mark.parametrize(
    "typed", ["DK-NUMBER", "QK12ABC34D", "ws_CO_found", "0712 345 678", "+254712345678", "wanjiku@example"]
)
def test_staff_find_a_payment_by_order_receipt_checkout_id_phone_or_customer_email(browser, push, typed):
    found = push("ws_CO_found")
    callback(stk_callback("ws_CO_found", amount=1460, receipt="QK12ABC34D"))
    other = push("ws_CO_other", payer="0722000111", user=UserFactory(email="otieno@example.com"))
    typed = found.order.number if typed == "DK-NUMBER" else typed

    page = browser.get(PAYMENTS, {"q": typed})

    assert listed(page.text) == {found.pk}, typed
    assert other.pk not in listed(page.text)


def test_the_payment_list_costs_the_same_queries_for_two_payments_as_for_twenty(
    browser, cash_paid, django_assert_max_num_queries
):
    for _ in range(2):
        cash_paid()
    browser.get(PAYMENTS)  # warm the process-wide caches (content types, store settings) first
    with CaptureQueriesContext(connection) as two:
        assert browser.get(PAYMENTS).status_code == 200
    for _ in range(18):
        cash_paid()

    with django_assert_max_num_queries(len(two.captured_queries)):
        page = browser.get(PAYMENTS)

    assert len(listed(page.text)) == 20
    assert len(re.findall(r'href="/admin/orders/order/\d+/change/"', page.text)) == 20


def test_payments_are_neither_added_nor_deleted_in_the_admin(browser, cash_paid):
    payment = cash_paid()

    assert browser.get(f"{PAYMENTS}add/").status_code == 403
    assert browser.get(f"{PAYMENTS}{payment.pk}/delete/").status_code == 403
    assert browser.post(f"{PAYMENTS}{payment.pk}/delete/", {"post": "yes"}).status_code == 403
    assert 'value="delete_selected"' not in browser.get(PAYMENTS).text
    assert Payment.objects.filter(pk=payment.pk).exists()


def test_a_customer_cannot_reach_the_payments_admin(customer, cash_paid):
    payment = cash_paid()
    client = Client()
    client.force_login(customer)

    for url in (PAYMENTS, change_url(payment), ATTENTION, NOTIFICATIONS):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url


# --- The payment page -------------------------------------------------------------------------------


def test_the_payment_page_shows_its_references_and_raw_callbacks(browser, push):
    payment = push("ws_CO_1")
    callback(stk_callback("ws_CO_1", amount=1460, receipt="QK12ABC34D"))
    callback(stk_callback("ws_CO_1", amount=1460, receipt="QK12ABC34D"))  # Safaricom repeats itself

    page = browser.get(change_url(payment))

    assert page.status_code == 200
    text = page.text
    assert "ws_CO_1" in text and "QK12ABC34D" in text and "29115-34620561-1" in text
    assert "raw notifications" in text.lower()
    assert "Applied" in text and "Duplicate (nothing changed)" in text
    assert "127.0.0.1" in text
    for notification in GatewayNotification.objects.all():
        assert f"{NOTIFICATIONS}{notification.pk}/change/" in text


def test_posting_the_payment_form_never_changes_its_status_amount_or_references(browser, push):
    payment = push("ws_CO_1")

    response = browser.post(
        change_url(payment),
        change_form(payment, status="succeeded", amount="1.00", provider_reference="FAKE123",
                    checkout_request_id="ws_CO_other", phone="254799999999", completed_at="2025-01-01 10:00"),
    )  # fmt: skip

    assert response.status_code == 302, response.content.decode()[:2000]
    payment = refreshed(payment)
    assert (payment.status, payment.amount, payment.provider_reference) == ("pending", Decimal("1460.00"), "")
    assert (payment.checkout_request_id, payment.phone, payment.completed_at) == ("ws_CO_1", "254712345678", None)
    assert refreshed(payment.order).payment_status == "pending"


def test_staff_clear_a_payments_needs_attention_flag_once_handled(browser, push):
    payment = push("ws_CO_1")
    callback(stk_callback("ws_CO_1", amount=10, receipt="QK12ABC34D"))
    payment = refreshed(payment)
    assert payment.needs_attention and "amount 10 instead of 1460" in payment.attention_reason

    response = browser.post(
        change_url(payment), change_form(payment, needs_attention="", attention_reason="10 reversed in the portal")
    )

    assert response.status_code == 302
    payment = refreshed(payment)
    assert (payment.needs_attention, payment.attention_reason) == (False, "10 reversed in the portal")
    assert payment.status == "pending"


def test_the_card_client_secret_never_shows_on_the_payment_or_its_webhook(browser, stripe_fake, place, phone):
    intent_created(stripe_fake, "pi_3QDuka0000000001")
    payment = services.card_intent_start(order=place((phone, 1), payment_method="card"))
    secret = refreshed(payment).client_secret
    assert secret == "pi_3QDuka0000000001_secret_T3stCl13ntS3cr3t"
    intent = payment_intent("pi_3QDuka0000000001", status="succeeded", amount_received=146000)
    payload = json.dumps(stripe_event("payment_intent.succeeded", intent)).encode()
    signature = stripe_signature(payload)
    webhook = Client().post(
        "/api/v1/payments/card/webhook", payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert webhook.status_code == 200
    notification = GatewayNotification.objects.get()
    assert secret in notification.body  # stored as received

    pages = [
        browser.get(change_url(payment)).text,
        browser.get(PAYMENTS).text,
        browser.get(f"{NOTIFICATIONS}{notification.pk}/change/").text,
        browser.get(NOTIFICATIONS).text,
    ]

    for text in pages:
        assert secret not in text
        assert "_secret_" not in text
    assert "client secret" not in pages[0].lower() and "client_secret" not in pages[0]
    assert escape('"client_secret": "[hidden]"') in pages[2]
    assert "pi_3QDuka0000000001" in pages[2]


# --- Checking with M-Pesa ---------------------------------------------------------------------------


def test_checking_with_mpesa_applies_a_success_and_the_order_becomes_paid(browser, daraja, push, staff_user):
    payment = push("ws_CO_1")
    stk_query_answers(daraja, {"ResponseCode": "0", "ResultCode": "0", "CheckoutRequestID": "ws_CO_1",
                               "ResultDesc": "The service request is processed successfully."})  # fmt: skip

    page = run_action(browser, "check_with_mpesa", payment)

    assert "Checked 1 payment with M-Pesa: 1 succeeded, 0 failed, 0 still pending." in page
    assert refreshed(payment).status == "succeeded"
    order = refreshed(payment.order)
    assert (order.status, order.payment_status) == (OrderStatus.PAID, "paid")
    assert order.history.last().actor == staff_user
    sent = json.loads(next(r for r, _ in daraja.log if r.path == STK_QUERY).data)
    assert sent["CheckoutRequestID"] == "ws_CO_1"


def test_checking_with_mpesa_while_daraja_is_still_processing_reports_it_pending(browser, daraja, push):
    payment = push("ws_CO_1")
    stk_query_answers(
        daraja,
        {"requestId": "1", "errorCode": "500.001.1001", "errorMessage": "The transaction is being processed"},
        status=500,
    )

    page = run_action(browser, "check_with_mpesa", payment)

    assert "Checked 1 payment with M-Pesa: 0 succeeded, 0 failed, 1 still pending." in page
    assert refreshed(payment).status == "pending"


def test_checking_with_mpesa_reports_a_cancelled_request_as_failed(browser, daraja, push):
    payment = push("ws_CO_1")
    stk_query_answers(daraja, {"ResponseCode": "0", "ResultCode": "1032", "ResultDesc": "Request cancelled by user"})

    page = run_action(browser, "check_with_mpesa", payment)

    assert "0 succeeded, 1 failed, 0 still pending." in page
    assert refreshed(payment).status == "failed"
    assert refreshed(payment.order).status == OrderStatus.PENDING  # still payable


def test_a_daraja_failure_while_checking_is_a_message_not_a_crash(browser, daraja, push):
    payment = push("ws_CO_1")
    daraja.expect_request(STK_QUERY).respond_with_json(
        {"requestId": "2", "errorCode": "500.003.02", "errorMessage": "System is busy. Please try again"}, status=500
    )

    page = run_action(browser, "check_with_mpesa", payment)

    assert f"Payment {payment.pk} (order {payment.order.number}) not checked: System is busy. Please try again" in page
    assert "Checked" not in page
    assert refreshed(payment).status == "pending"


def test_one_failed_check_does_not_hold_back_the_others(browser, daraja, push):
    down, fine = push("ws_CO_down"), push("ws_CO_fine")

    def answer(request):
        from werkzeug import Response

        if json.loads(request.data)["CheckoutRequestID"] == "ws_CO_down":
            return Response("Service Unavailable", status=503)
        return Response(json.dumps({"ResponseCode": "0", "ResultCode": "0", "ResultDesc": "ok"}),
                        content_type="application/json")  # fmt: skip

    daraja.expect_request(STK_QUERY).respond_with_handler(answer)

    page = run_action(browser, "check_with_mpesa", down, fine)

    assert f"Payment {down.pk} (order {down.order.number}) not checked" in page
    assert "Checked 1 payment with M-Pesa: 1 succeeded" in page
    assert (refreshed(down).status, refreshed(fine).status) == ("pending", "succeeded")


def test_checking_skips_payments_that_are_not_pending_mpesa_ones(browser, daraja, push, cash_paid, place, phone):
    cash = cash_paid()
    paid = push("ws_CO_paid")
    callback(stk_callback("ws_CO_paid", amount=1460, receipt="QK1"))
    daraja.expect_oneshot_request("/mpesa/stkpush/v1/processrequest").respond_with_json(
        {"requestId": "x", "errorCode": "400.002.02", "errorMessage": "Bad Request - Invalid Amount"}, status=400
    )
    with pytest.raises(GatewayError):
        services.mpesa_push(order=place((phone, 1)), phone="0712345678")
    refused = Payment.objects.get(status="failed")
    queries_before = sum(1 for request, _ in daraja.log if request.path == STK_QUERY)

    page = run_action(browser, "check_with_mpesa", cash, paid, refused)

    assert (
        f"Skipped, not for M-Pesa&#x27;s status query: {cash.pk} (a Cash payment), {paid.pk} (succeeded), "
        f"{refused.pk} (failed)." in page
    )
    assert "Checked" not in page
    assert sum(1 for request, _ in daraja.log if request.path == STK_QUERY) == queries_before
    assert [refreshed(p).status for p in (cash, paid, refused)] == ["succeeded", "succeeded", "failed"]


def test_checking_skips_a_flagged_payment_so_a_short_payment_is_never_counted_in_full(browser, daraja, push):
    short = push("ws_CO_short")
    callback(stk_callback("ws_CO_short", amount=10, receipt="QK2"))  # paid 10 of 1,460: flagged, still pending
    stk_query_answers(daraja, {"ResponseCode": "0", "ResultCode": "0", "ResultDesc": "ok"})  # says "paid", not how much

    page = run_action(browser, "check_with_mpesa", short)

    assert f"{short.pk} (flagged: the STK query cannot tell what was paid, settle it by hand)" in page
    assert refreshed(short).status == "pending"
    assert refreshed(short.order).payment_status == "pending"
    assert not any(request.path == STK_QUERY for request, _ in daraja.log)


def test_checking_many_at_once_asks_about_the_first_few_and_says_which_were_left(browser, daraja, push, monkeypatch):
    monkeypatch.setattr("payments.admin.MAX_CHECKS_PER_RUN", 2)
    first, second, third = push("ws_CO_1"), push("ws_CO_2"), push("ws_CO_3")
    stk_query_answers(daraja, {"ResponseCode": "0", "ResultCode": "1032", "ResultDesc": "Request cancelled by user"})

    page = run_action(browser, "check_with_mpesa", first, second, third)

    assert "Checked 2 payments with M-Pesa: 0 succeeded, 2 failed, 0 still pending." in page
    assert f"Not checked, 2 at most at once (each waits for Daraja): {third.pk}. Run the action again" in page
    assert [refreshed(p).status for p in (first, second, third)] == ["failed", "failed", "pending"]


def test_staff_who_may_only_view_payments_are_not_offered_the_check(cash_paid):
    viewer = UserFactory(role=Role.TECHNICIAN)
    viewer.user_permissions.add(*Permission.objects.filter(codename="view_payment"))
    client = Client()
    client.force_login(viewer)
    cash_paid()

    page = client.get(PAYMENTS)

    assert page.status_code == 200
    assert 'value="check_with_mpesa"' not in page.text


# --- Raw notifications ------------------------------------------------------------------------------


def test_the_notification_list_shows_what_came_in_and_what_was_done(browser, push):
    payment = push("ws_CO_1")
    callback(stk_callback("ws_CO_1", amount=1460, receipt="QK12ABC34D"))
    callback(stk_callback("ws_CO_nobody", amount=5))

    page = browser.get(NOTIFICATIONS)

    assert page.status_code == 200
    text = page.text
    assert "Applied" in text and "No matching payment" in text
    assert "ws_CO_1" in text and "ws_CO_nobody" in text
    assert f'href="{PAYMENTS}{payment.pk}/change/">Payment {payment.pk}</a>' in text
    assert "No payment has this CheckoutRequestID." in text


def test_the_notification_list_filters_and_searches(browser, push):
    push("ws_CO_1")
    callback(stk_callback("ws_CO_1", amount=1460, receipt="QK12ABC34D"))
    callback(stk_callback("ws_CO_nobody", amount=5))
    applied, unknown = GatewayNotification.objects.order_by("id")

    def shown(**query) -> set[int]:
        page = browser.get(NOTIFICATIONS, query)
        assert page.status_code == 200
        return {int(pk) for pk in re.findall(rf'href="{NOTIFICATIONS}(\d+)/change/', page.text)}

    assert shown(outcome__exact="unknown") == {unknown.pk}
    assert shown(gateway__exact="mpesa") == {applied.pk, unknown.pk}
    assert shown(gateway__exact="stripe") == set()
    assert shown(q="QK12ABC34D") == {applied.pk}  # in the body only
    assert shown(q="ws_CO_nobody") == {unknown.pk}


def test_a_notification_page_shows_the_body_pretty_printed(browser, push):
    push("ws_CO_1")
    callback(stk_callback("ws_CO_1", amount=1460, receipt="QK12ABC34D"))
    notification = GatewayNotification.objects.get()
    assert "\n" not in notification.body  # it came in on one line

    page = browser.get(f"{NOTIFICATIONS}{notification.pk}/change/")

    assert page.status_code == 200
    body = re.search(r"<pre[^>]*>(.*?)</pre>", page.text.split('class="form-row field-body_block"')[1], re.S).group(1)
    assert escape('"MpesaReceiptNumber"') in body
    assert '\n    "stkCallback": {' in body.replace("&quot;", '"')
    assert "127.0.0.1" in page.text and "Applied" in page.text


def test_a_body_that_is_not_json_is_shown_as_it_came(browser, push):
    push("ws_CO_1")
    assert callback("<xml>not json</xml>").status_code == 400
    notification = GatewayNotification.objects.get()

    page = browser.get(f"{NOTIFICATIONS}{notification.pk}/change/")

    assert escape("<xml>not json</xml>") in page.text
    assert "Malformed" in page.text


def test_notifications_are_read_only(browser, push):
    push("ws_CO_1")
    callback(stk_callback("ws_CO_nobody", amount=5))
    notification = GatewayNotification.objects.get()

    assert browser.get(f"{NOTIFICATIONS}add/").status_code == 403
    assert browser.get(f"{NOTIFICATIONS}{notification.pk}/delete/").status_code == 403
    browser.post(f"{NOTIFICATIONS}{notification.pk}/change/", {"outcome": "applied", "note": "fixed"})
    assert (refreshed(notification).outcome, refreshed(notification).note) == (
        "unknown", "No payment has this CheckoutRequestID.",
    )  # fmt: skip
    assert 'name="_save"' not in browser.get(f"{NOTIFICATIONS}{notification.pk}/change/").text


# --- Needs attention --------------------------------------------------------------------------------


def make_trouble(push, *, label: str) -> tuple[Payment, Order]:
    """A payment short-paid by callback (flagged), a callback for no payment, and an order a customer rang about."""
    short = push(f"ws_CO_short_{label}")
    callback(stk_callback(f"ws_CO_short_{label}", amount=10, receipt=f"QKSHORT{label}"))
    callback(stk_callback(f"ws_CO_nobody_{label}", amount=5))
    order = push(f"ws_CO_rang_{label}").order
    Order.objects.filter(pk=order.pk).update(needs_attention=True, attention_reason=f"Customer rang ({label})")
    return refreshed(short), order


def test_the_attention_page_lists_flagged_payments_unknown_callbacks_and_flagged_orders(browser, push):
    short, rang = make_trouble(push, label="A")
    unknown = GatewayNotification.objects.get(outcome="unknown")

    page = browser.get(ATTENTION)

    assert page.status_code == 200
    text = page.text
    assert f'href="{PAYMENTS}{short.pk}/change/"' in text
    assert escape(short.attention_reason) in text
    assert f'href="{NOTIFICATIONS}{unknown.pk}/change/"' in text and "ws_CO_nobody_A" in text
    assert "No matching payment" in text
    assert f'href="/admin/orders/order/{rang.pk}/change/">{rang.number}</a>' in text
    assert "Customer rang (A)" in text
    assert "Every refund is settled." in text


def test_the_attention_page_lists_refunds_to_settle_with_a_link_to_the_refunds_list(
    browser, push, staff_user, django_capture_on_commit_callbacks
):
    payment = push("ws_CO_1")
    callback(stk_callback("ws_CO_1", amount=1460, receipt="QK12ABC34D"))
    with django_capture_on_commit_callbacks(execute=True):  # the refund goes to the gateway once committed
        order = order_cancel(order=refreshed(payment.order), actor=staff_user, reason="Out of stock", by_staff=True)
    refund = OrderRefund.objects.get(order=order)
    assert refund.status == "pending"  # an M-Pesa reversal is made by hand in the portal

    text = browser.get(ATTENTION).text

    assert f'href="/admin/orders/orderrefund/?q={order.number}">{order.number}</a>' in text
    assert "KES 1,460.00" in text and "Pending (money not yet returned)" in text
    assert "/admin/orders/orderrefund/?status__in=pending%2Cfailed" in text
    assert "Reverse it in the M-Pesa portal" in text and "Payment QK12ABC34D" in text  # the order is flagged too


def test_the_attention_page_says_so_when_nothing_needs_attention(browser, cash_paid):
    cash_paid()

    page = browser.get(ATTENTION)

    assert page.status_code == 200
    text = page.text
    assert "Nothing needs attention." in text
    assert "No payment is flagged." in text and "No order is flagged." in text and "Every refund is settled." in text
    assert "<table" not in text.split('id="content"')[1]


def test_callbacks_older_than_thirty_days_leave_the_attention_page(browser, push):
    push("ws_CO_1")
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        callback(stk_callback("ws_CO_long_ago", amount=5))
    callback(stk_callback("ws_CO_recent", amount=5))

    text = browser.get(ATTENTION).text

    assert "ws_CO_recent" in text and "ws_CO_long_ago" not in text


def test_the_attention_pages_full_lists_open_on_the_same_rows(browser, push):
    short, rang = make_trouble(push, label="A")
    text = browser.get(ATTENTION).text
    links = [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]+)">Open the full list', text)]
    assert len(links) == 3  # the refunds section is empty

    pages = [browser.get(link) for link in links]

    assert all(page.status_code == 200 for page in pages), links  # an unknown lookup would redirect with ?e=1
    assert listed(pages[0].text) == {short.pk}
    assert "ws_CO_nobody_A" in pages[1].text and "ws_CO_rang_A" not in pages[1].text
    assert rang.number in pages[2].text


def test_the_payment_list_links_to_the_attention_page_with_a_count(browser, push):
    assert "Needs attention (0)" in browser.get(PAYMENTS).text
    make_trouble(push, label="A")  # a flagged payment, its flagged callback, an unknown callback, a flagged order

    text = browser.get(PAYMENTS).text

    assert f'href="{ATTENTION}"' in text and "Needs attention (4)" in text


def test_the_attention_page_costs_the_same_queries_for_one_problem_of_each_kind_as_for_five(
    browser, push, django_assert_max_num_queries
):
    make_trouble(push, label="0")
    browser.get(ATTENTION)  # warm the process-wide caches first
    with CaptureQueriesContext(connection) as one:
        assert browser.get(ATTENTION).status_code == 200
    queries_for_one = len(one.captured_queries)  # now: the callbacks below are requests, which empty the log
    for label in "1234":
        make_trouble(push, label=label)

    with django_assert_max_num_queries(queries_for_one):
        text = browser.get(ATTENTION).text

    assert all(f"Customer rang ({label})" in text for label in "01234")


def test_staff_who_may_not_view_orders_see_only_the_payments_sections(push):
    make_trouble(push, label="A")
    viewer = UserFactory(role=Role.TECHNICIAN)
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_payment", "view_gatewaynotification"]))
    client = Client()
    client.force_login(viewer)

    page = client.get(ATTENTION)

    assert page.status_code == 200
    assert "Payments flagged" in page.text and "ws_CO_nobody_A" in page.text
    assert "Orders flagged" not in page.text and "Customer rang" not in page.text
    assert "Refunds not settled" not in page.text


def test_staff_without_the_payments_permission_cannot_open_the_attention_page():
    technician = UserFactory(role=Role.TECHNICIAN)  # signs in to the admin, but not for payments
    client = Client()
    client.force_login(technician)

    assert client.get(ATTENTION).status_code == 403


# --- Flags do not erase each other ------------------------------------------------------------------


@pytest.fixture
def paid_with_stock_gone(push):
    """An M-Pesa order paid after its reservation expired, when its phone had sold out: flagged for the stock."""
    payment = push("ws_CO_late")
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        reservations_expire()
    ProductVariant.objects.filter(pk=payment.order.lines.get().variant_id).update(stock_quantity=0)
    callback(stk_callback("ws_CO_late", amount=1460, receipt="QKLATE0001"))
    order = refreshed(payment.order)
    assert (order.status, order.needs_attention) == (OrderStatus.PAID, True)
    assert "stock is gone" in order.attention_reason
    return order


def section(page_text: str, title: str) -> str:
    """One list of the Needs attention page, from its heading to the next."""
    return page_text.split(f"<h2>{title} ")[1].split("<h2>")[0]


def refund_by_hand(order, staff_user, capture) -> OrderRefund:
    """A partial refund of an M-Pesa order: it waits for staff to make the reversal in the portal."""
    with capture(execute=True):
        order_refund(order=order, amount=Decimal("460.00"), reason="Late delivery", restock=False, actor=staff_user)
    refund = OrderRefund.objects.get(order=order)
    assert refund.status == "pending"
    return refund


def test_a_refund_waiting_for_a_reversal_does_not_hide_the_orders_stock_flag(
    browser, paid_with_stock_gone, staff_user, django_capture_on_commit_callbacks
):
    refund_by_hand(paid_with_stock_gone, staff_user, django_capture_on_commit_callbacks)

    text = browser.get(ATTENTION).text

    assert "stock is gone" in section(text, "Orders flagged")
    assert "Reverse it in the M-Pesa portal" in text and "Payment QKLATE0001" in text


def test_recording_the_reversal_settles_the_refund_and_leaves_the_order_flagged_for_its_stock(
    browser, paid_with_stock_gone, staff_user, django_capture_on_commit_callbacks
):
    refund = refund_by_hand(paid_with_stock_gone, staff_user, django_capture_on_commit_callbacks)

    browser.post(
        "/admin/orders/orderrefund/",
        {"action": "record_reversal", "reference": "RVS460", "_selected_action": [refund.pk]},
    )

    assert refreshed(refund).status == "succeeded"
    order = refreshed(paid_with_stock_gone)
    assert order.needs_attention is True
    assert "stock is gone" in order.attention_reason
    text = browser.get(ATTENTION).text
    assert f"{order.number}</a>" in section(text, "Orders flagged")
    assert "stock is gone" in section(text, "Orders flagged")
    assert "Every refund is settled." in text
