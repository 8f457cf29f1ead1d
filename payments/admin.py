"""
The payments back office. A payment's state, amount and references belong to `payments.services`
(which lock the row and keep the money counted once), so here they are read-only: staff read
payments and the raw callbacks behind them, ask M-Pesa about a payment whose callback is late
(through the same `payment_refresh` as the API), and clear the needs-attention flag once the
problem is handled. One page gathers everything that waits for a person.
"""

import json
import re
from collections import Counter

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from rest_framework.exceptions import APIException

from core.admin import ReadOnlyAdmin, ReadOnlyInline, StoreTimeAdmin, problem_text, rendered, store_time_zone
from core.phones import InvalidPhoneNumber, normalize_phone
from core.store import store_config
from orders.models import Order, OrderRefund
from orders.services.lifecycle import FLAG_SEPARATOR
from payments import selectors, services
from payments.models import GatewayKind, GatewayNotification, Payment, PaymentStatus
from payments.selectors import TROUBLING_OUTCOMES, TROUBLING_WINDOW, UNSETTLED_REFUNDS
from repairs.models import RepairRequest, RepairStatus

EDITABLE_FIELDS = ("needs_attention", "attention_reason")
# Each check waits for Daraja (up to MPESA_READ_TIMEOUT): a few per click keep the page inside the
# server's request timeout; `mpesa_reconcile` sweeps the rest in the background anyway.
MAX_CHECKS_PER_RUN = 10
ROWS_PER_SECTION = 100  # the section's full list is linked beyond this
HIDDEN = "[hidden]"
# Stripe's webhook bodies carry the PaymentIntent's client secret, which lets its holder confirm the card.
CLIENT_SECRET = re.compile(r"\b(?:pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+\b")


def money(amount, currency: str) -> str:
    return f"{currency} {amount:,.2f}"


def admin_link(url: str, text) -> str:
    return format_html('<a href="{}">{}</a>', url, text)


def order_link(order: Order | None) -> str:
    if order is None:
        return "-"
    return admin_link(reverse("admin:orders_order_change", args=[order.pk]), order.number)


def repair_link(repair_id: int | None, text=None) -> str:
    """Link by id alone (no query), to the repair's admin page when the repair desk's admin is there."""
    if repair_id is None:
        return "-"
    text = text or f"Repair {repair_id}"
    try:
        return admin_link(reverse("admin:repairs_repairrequest_change", args=[repair_id]), text)
    except NoReverseMatch:
        return str(text)


def paid_for(payment: Payment) -> str:
    """What a payment pays: its order (joined by the caller) or its repair."""
    return repair_link(payment.repair_id) if payment.repair_id else order_link(payment.order)


def payment_link(payment_id: int | None) -> str:
    """Link by id alone, so a list of notifications never joins or queries the payments."""
    if payment_id is None:
        return "-"
    return admin_link(reverse("admin:payments_payment_change", args=[payment_id]), f"Payment {payment_id}")


def without_client_secrets(value):
    if isinstance(value, dict):
        return {key: HIDDEN if key == "client_secret" else without_client_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_client_secrets(item) for item in value]
    if isinstance(value, str):
        return CLIENT_SECRET.sub(HIDDEN, value)
    return value


def readable_body(body: str) -> str:
    """Indent a JSON body so a person can read it; keep anything else as received. Client secrets never show."""
    try:
        data = json.loads(body)
    except ValueError:
        return CLIENT_SECRET.sub(HIDDEN, body)
    return json.dumps(without_client_secrets(data), indent=2, ensure_ascii=False)


def preformatted(text: str) -> str:
    return format_html('<pre style="white-space:pre-wrap;margin:0;max-width:960px;">{}</pre>', text)


# --- Payments ---------------------------------------------------------------------------------------


class NotificationInline(ReadOnlyInline):
    """What Safaricom or Stripe said about this payment, in order; each row opens on the full body."""

    model = GatewayNotification
    verbose_name = "raw notification"
    verbose_name_plural = "raw notifications (callbacks and webhooks)"
    fields = ("received_at", "outcome", "note", "source_ip")
    readonly_fields = fields
    show_change_link = True


@admin.register(Payment)
class PaymentAdmin(StoreTimeAdmin):
    list_display = ("id", "order_number", "method", "gateway", "amount_with_currency", "status",
                    "provider_reference", "phone", "needs_attention", "created_at", "completed_at")  # fmt: skip
    list_display_links = ("id",)
    list_filter = ("method", "gateway", "status", "needs_attention", "extra", "created_at")
    search_fields = ("order__number", "provider_reference", "checkout_request_id", "phone", "order__email")
    date_hierarchy = "created_at"
    list_select_related = ("order",)
    list_per_page = 50
    inlines = [NotificationInline]
    actions = ["check_with_mpesa", "refund_extra_payments"]
    # Belt and braces: the card's client secret must never reach a page, whatever the fieldsets say.
    exclude = ("client_secret",)
    fieldsets = (
        ("Payment", {"fields": ("order_number", "repair_id", "method", "gateway", "amount_with_currency", "status",
                                "extra")}),
        ("Needs attention", {"fields": EDITABLE_FIELDS,
                             "description": "Clear the flag once the problem is handled."}),
        ("Gateway", {"fields": ("provider_reference", "checkout_request_id", "merchant_request_id", "phone",
                                "result_code", "failure_reason")}),
        ("Dates", {"fields": ("created_at", "updated_at", "completed_at")}),
    )  # fmt: skip
    readonly_fields = ("order_number", "repair_id", "method", "gateway", "amount_with_currency", "status", "extra",
                       "provider_reference", "checkout_request_id", "merchant_request_id", "phone", "result_code",
                       "failure_reason", "created_at", "updated_at", "completed_at")  # fmt: skip

    @admin.display(description="order", ordering="order__number")
    def order_number(self, payment: Payment) -> str:
        return paid_for(payment)

    @admin.display(description="amount", ordering="amount")
    def amount_with_currency(self, payment: Payment) -> str:
        return money(payment.amount, payment.currency)

    # --- Permissions and saving -----------------------------------------------------------------

    def has_add_permission(self, request):
        return False  # payments start from checkout, the API or the gateways, never from a form

    def has_delete_permission(self, request, obj=None):
        return False  # the record of money received or tried

    def save_model(self, request, obj, form, change):
        """
        Write only the flag: a full save would write back the status read when the form loaded,
        undoing a callback applied meanwhile.
        """
        changed = [field for field in form.changed_data if field in EDITABLE_FIELDS]
        if changed:
            obj.save(update_fields=[*changed, "updated_at"])

    def get_search_results(self, request, queryset, search_term):
        """Find a payment by the phone however it is typed (`0712 345 678`): payments store `2547…`."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            phone = normalize_phone(search_term)
        except InvalidPhoneNumber:
            return results, may_have_duplicates
        return results | queryset.filter(phone=phone), may_have_duplicates

    # --- Asking M-Pesa --------------------------------------------------------------------------

    @staticmethod
    def _not_checkable(payment: Payment) -> str:
        """Why this payment is not for M-Pesa's STK query, or "" when it is."""
        if payment.gateway != GatewayKind.MPESA:
            return f"a {payment.get_gateway_display()} payment"
        if payment.status != PaymentStatus.PENDING:
            return payment.get_status_display().lower()
        if not payment.checkout_request_id:
            return "never accepted by Daraja"
        if payment.needs_attention:
            # The query says only "paid", never how much or from which phone: a success would count the full
            # amount for a payment flagged because its callback showed another. `mpesa_reconcile` skips these too.
            return "flagged: the STK query cannot tell what was paid, settle it by hand"
        return ""

    @admin.action(description="Check with M-Pesa now", permissions=["change"])
    def check_with_mpesa(self, request, queryset):
        """Recover lost callbacks one payment at a time, so one failed query never holds back the others."""
        outcomes = Counter()
        skipped, left_over, tried, flagged = [], [], 0, 0
        for payment in queryset.select_related("order").order_by("pk"):
            if reason := self._not_checkable(payment):
                skipped.append(f"{payment.pk} ({reason})")
                continue
            if tried == MAX_CHECKS_PER_RUN:
                left_over.append(str(payment.pk))
                continue
            tried += 1
            try:
                checked = services.payment_refresh(payment=payment, actor=request.user)
            except APIException as error:  # GatewayError: Daraja refused, timed out or could not tell
                self.message_user(request, f"Payment {payment.pk} ({self._label(payment)}) not checked: "
                                           f"{problem_text(error)}", messages.ERROR)  # fmt: skip
                continue
            outcomes[checked.status] += 1
            flagged += checked.needs_attention
        self._report_checks(request, outcomes, flagged=flagged, skipped=skipped, left_over=left_over)

    def _report_checks(self, request, outcomes: Counter, *, flagged: int, skipped: list, left_over: list) -> None:
        if checked := outcomes.total():
            text = (f"Checked {checked} payment{pluralize(checked)} with M-Pesa: "
                    f"{outcomes[PaymentStatus.SUCCEEDED]} succeeded, {outcomes[PaymentStatus.FAILED]} failed, "
                    f"{outcomes[PaymentStatus.PENDING]} still pending.")  # fmt: skip
            if flagged:
                text += f" {flagged} flagged for attention: see Needs attention."
            self.message_user(request, text, messages.WARNING if flagged else messages.SUCCESS)
        if skipped:
            self.message_user(request, f"Skipped, not for M-Pesa's status query: {', '.join(skipped)}.",
                              messages.WARNING)  # fmt: skip
        if left_over:
            self.message_user(request, f"Not checked, {MAX_CHECKS_PER_RUN} at most at once (each waits for Daraja): "
                                       f"{', '.join(left_over)}. Run the action again for them.",
                              messages.WARNING)  # fmt: skip

    # --- Extra payments -------------------------------------------------------------------------

    @admin.action(description="Refund extra payments (paid on top of a paid order)", permissions=["change"])
    def refund_extra_payments(self, request, queryset):
        """Give each extra payment back through its own gateway; the order's books stay as they are."""
        refunds, skipped = [], []
        for payment in queryset.select_related("order").order_by("pk"):
            try:
                refunds.append(services.payment_refund_extra(payment=payment, actor=request.user))
            except APIException as error:  # PaymentNotExtra: it paid its order, or is refunded already
                skipped.append(f"{payment.pk} ({problem_text(error)})")
        if refunds:
            text = f"{len(refunds)} extra payment{pluralize(len(refunds))} sent back through the gateway"
            self.message_user(request, f"{text}: see the refunds list for the outcome.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"Not refunded: {', '.join(skipped)}.", messages.WARNING)

    @staticmethod
    def _label(payment: Payment) -> str:
        return f"order {payment.order.number}" if payment.order_id else f"repair {payment.repair_id}"

    # --- Needs attention ------------------------------------------------------------------------

    def get_urls(self):
        # Before the default URLs: "<path:object_id>/" would otherwise take "attention/" for a payment id.
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("attention/", self.admin_site.admin_view(self.attention_view), name=f"{name}_attention"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "attention_url": reverse("admin:payments_payment_attention"),
            "attention_count": sum(section.count() for section in attention_sections(self.admin_site, request)),
        }
        return super().changelist_view(request, extra_context)

    def attention_view(self, request):
        """Everything waiting for a person, in one place, each row linked to where it is settled."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        sections = [section.render() for section in attention_sections(self.admin_site, request)]
        context = {
            **self.admin_site.each_context(request),
            "title": "Needs attention",
            "opts": self.opts,
            "sections": sections,
            "total": sum(section["count"] for section in sections),
        }
        with store_time_zone():
            return rendered(TemplateResponse(request, "admin/payments/payment/attention.html", context))


# --- Needs attention ------------------------------------------------------------------------------


class AttentionSection:
    """One list on the page: its rows (one query), its count (one more), and the full list it comes from."""

    title = ""
    help = ""
    empty = ""
    columns: tuple[str, ...] = ()

    def __init__(self, full_list_url: str):
        self.full_list_url = full_list_url

    def queryset(self) -> QuerySet:
        raise NotImplementedError

    def cells(self, row) -> tuple:
        raise NotImplementedError

    def count(self) -> int:
        return self.queryset().count()

    def render(self) -> dict:
        count = self.count()
        rows = [self.cells(row) for row in self.queryset()[:ROWS_PER_SECTION]] if count else []
        return {
            "title": self.title,
            "help": self.help,
            "empty": self.empty,
            "columns": self.columns,
            "rows": rows,
            "count": count,
            "more": count > len(rows),
            "full_list_url": self.full_list_url,
        }


class FlaggedPayments(AttentionSection):
    title = "Payments flagged"
    help = ("Money that came in wrong (another amount or phone, a receipt used twice, an order already paid). "
            "Settle it, then clear the flag on the payment's page.")  # fmt: skip
    empty = "No payment is flagged."
    columns = ("Payment", "Order or repair", "Amount", "Status", "Why", "Created")

    def queryset(self):
        return selectors.payments_flagged()

    def cells(self, payment):
        return (payment_link(payment.pk), paid_for(payment), money(payment.amount, payment.currency),
                payment.get_status_display(), payment.attention_reason, payment.created_at)  # fmt: skip


class TroublingNotifications(AttentionSection):
    title = f"Callbacks and webhooks not applied (last {TROUBLING_WINDOW.days} days)"
    help = ("Notifications that matched no payment, could not be read, or were flagged: money may have "
            "arrived that Duka did not count. Open one to read what the gateway sent.")  # fmt: skip
    empty = f"Every callback and webhook of the last {TROUBLING_WINDOW.days} days was applied or understood."
    columns = ("Received", "Gateway", "Outcome", "Reference", "Payment", "Note")

    def __init__(self, full_list_url: str, since):
        self.since = since
        query = {"outcome__in": ",".join(TROUBLING_OUTCOMES), "received_at__gte": since.isoformat()}
        super().__init__(f"{full_list_url}?{urlencode(query)}")

    def queryset(self):
        return selectors.notifications_troubling(since=self.since)

    def cells(self, notification):
        url = reverse("admin:payments_gatewaynotification_change", args=[notification.pk])
        return (admin_link(url, notification.received_at), notification.get_gateway_display(),
                notification.get_outcome_display(), notification.reference or "-",
                payment_link(notification.payment_id), notification.note)  # fmt: skip


class FlaggedOrders(AttentionSection):
    title = "Orders flagged"
    help = ("Orders that need a person: stock gone after payment, money for a cancelled order, a customer's request "
            "(a refund to settle is listed with the refunds).")  # fmt: skip
    empty = "No order is flagged."
    columns = ("Order", "Status", "Payment", "Total", "Why", "Placed")

    def queryset(self):
        return selectors.orders_flagged()

    def cells(self, order):
        return (order_link(order), order.get_status_display(), order.get_payment_status_display(),
                money(order.total, order.currency), order.attention_reason, order.created_at)  # fmt: skip


class OpenRefunds(AttentionSection):
    title = "Refunds not settled"
    help = ("Money recorded as refunded (or an extra payment to give back) that has not gone back yet: "
            "record the M-Pesa reversal reference, or retry a card refund Stripe did not confirm, "
            "from the refunds list.")  # fmt: skip
    empty = "Every refund is settled."
    columns = ("Recorded", "Order or repair", "Amount", "Status", "What to do")

    def __init__(self, full_list_url: str):
        super().__init__(f"{full_list_url}?{urlencode({'status__in': ','.join(UNSETTLED_REFUNDS)})}")
        self.refunds_url = full_list_url
        self.currency = store_config().currency

    def queryset(self):
        return selectors.refunds_unsettled()

    def cells(self, refund):
        if refund.order is None:  # a repair's refund: its currency is the store's
            return (refund.created_at, repair_link(refund.repair_id), money(refund.amount, self.currency),
                    refund.get_status_display(), refund.attention or refund.failure_reason or "-")  # fmt: skip
        refunds_of_order = f"{self.refunds_url}?{urlencode({'q': refund.order.number})}"
        return (refund.created_at, admin_link(refunds_of_order, refund.order.number),
                money(refund.amount, refund.order.currency), refund.get_status_display(),
                refund.attention or refund.failure_reason or "-")  # fmt: skip


class RepairsToSettle(AttentionSection):
    title = "Repairs to settle"
    help = ("Repairs handed over with money still due (listed until paid), cancelled repairs still holding money "
            "(until refunded), and repairs flagged about money: a payment for a cancelled "
            "repair, more than was due, or a payment on top (refund it, then clear the flag on the repair's "
            "page).")  # fmt: skip
    empty = "No repair has money due after handover or kept after cancelling, and none is flagged."
    columns = ("Repair", "Status", "Customer", "Due", "Why", "Completed")

    def __init__(self, full_list_url: str):
        super().__init__(full_list_url)
        self.currency = store_config().currency

    def queryset(self):
        return selectors.repairs_to_settle()

    def cells(self, repair):
        reasons = []
        if repair.status == RepairStatus.COMPLETED and repair.due > 0:
            reasons.append("Handed over unpaid: collect what is due.")
        kept = repair.amount_paid - repair.amount_refunded
        if repair.status == RepairStatus.CANCELLED and kept > 0:
            reasons.append(f"Cancelled with {money(kept, self.currency)} paid: refund it.")
        if repair.needs_attention:
            reasons.append(repair.attention_reason)
        why = FLAG_SEPARATOR.join(reasons)
        return (repair_link(repair.pk, repair.tracking_code), repair.get_status_display(), repair.contact_name,
                money(repair.due, self.currency), why, repair.completed_at)  # fmt: skip


def attention_sections(site: admin.AdminSite, request) -> list[AttentionSection]:
    """The sections this user may read: each model's own admin decides, as on its list page."""

    def viewable(model) -> str | None:
        if not site.is_registered(model) or not site.get_model_admin(model).has_view_permission(request):
            return None
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    sections: list[AttentionSection] = []
    if url := viewable(Payment):
        sections.append(FlaggedPayments(f"{url}?needs_attention__exact=1"))
    if url := viewable(GatewayNotification):
        sections.append(TroublingNotifications(url, since=timezone.now() - TROUBLING_WINDOW))
    if url := viewable(Order):
        sections.append(FlaggedOrders(f"{url}?needs_attention__exact=1"))
    if url := viewable(OrderRefund):
        sections.append(OpenRefunds(url))
    if url := viewable(RepairRequest):
        sections.append(RepairsToSettle(url))
    elif not site.is_registered(RepairRequest) and request.user.has_perm("repairs.view_repairrequest"):
        sections.append(RepairsToSettle(""))  # the repair desk's admin is not there: the rows, without a list
    return sections


# --- Raw notifications ------------------------------------------------------------------------------


@admin.register(GatewayNotification)
class GatewayNotificationAdmin(ReadOnlyAdmin, StoreTimeAdmin):
    """Every callback and webhook as received: the evidence behind a payment, for disputes and reconciling."""

    list_display = ("received_at", "gateway", "outcome", "reference", "payment_of", "source_ip", "note")
    list_filter = ("gateway", "outcome", "received_at")
    search_fields = ("reference", "note", "body")
    date_hierarchy = "received_at"
    list_per_page = 100
    fields = ("received_at", "gateway", "outcome", "note", "reference", "payment_of", "source_ip", "headers_block",
              "body_block")  # fmt: skip
    readonly_fields = fields

    @admin.display(description="payment", ordering="payment_id")
    def payment_of(self, notification: GatewayNotification) -> str:
        return payment_link(notification.payment_id)

    @admin.display(description="headers")
    def headers_block(self, notification: GatewayNotification) -> str:
        return preformatted(json.dumps(notification.headers, indent=2, ensure_ascii=False))

    @admin.display(description="body")
    def body_block(self, notification: GatewayNotification) -> str:
        return preformatted(readable_body(notification.body)) if notification.body else "(empty)"
