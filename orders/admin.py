"""
The orders back office. Orders come from checkout and move only through `orders.services.lifecycle`:
the actions and the status buttons call the same functions as the API, so stock, refunds, history,
events and the customer's emails follow every move made here. Staff edit only delivery details and
the needs-attention flag; money, stock and status are read-only.
"""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME, ActionForm
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from rest_framework.exceptions import APIException

from core.admin import ReadOnlyAdmin, ReadOnlyInline, StoreTimeAdmin, problem_text, rendered, store_time_zone
from core.phones import InvalidPhoneNumber, normalize_phone
from core.store import store_config
from orders.models import Order, OrderLine, OrderRefund, OrderStatus, OrderStatusEvent, RefundStatus
from orders.services import lifecycle
from orders.services.lifecycle import STAFF_TARGETS, allowed_moves, order_cancel, order_set_status

S = OrderStatus

# What each staff move is called on a button and in the actions menu.
MOVE_LABELS = {
    S.PROCESSING: "Accept (processing)",
    S.SHIPPED: "Mark shipped",
    S.DELIVERED: "Mark delivered",
    S.CANCELLED: "Cancel order",
}
# Moves staff cannot make by hand: they follow from money arriving or going back.
AUTOMATIC_MOVES = {
    S.PAID: "paid, when the payment arrives",
    S.FAILED: "failed, if it is not paid in time",
    S.REFUNDED: "refunded, by a full refund (through the API: orders/{id}/refund)",
}
STATUS_COLOURS = {
    S.PENDING: "#b7791f",
    S.PAID: "#2b6cb0",
    S.PROCESSING: "#6b46c1",
    S.SHIPPED: "#2c7a7b",
    S.DELIVERED: "#2f855a",
    S.CANCELLED: "#718096",
    S.FAILED: "#c53030",
    S.REFUNDED: "#718096",
}
STATUS_ORDER = list(S.values)
EDITABLE_FIELDS = ("tracking_number", "carrier", "needs_attention", "attention_reason")


def expirable(order: Order, to: str) -> bool:
    """The table lets any pending order fail, but only prepaid ones are ever expired: hide the move from cash orders."""
    return to != S.FAILED or order.is_prepaid


def money(order: Order, amount: Decimal) -> str:
    return f"{order.currency} {amount:,.2f}"


def status_badge(status: str) -> str:
    return format_html(
        '<span style="display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;background:{};'
        'font-size:11px;font-weight:600;white-space:nowrap;">{}</span>',
        STATUS_COLOURS.get(status, "#4a5568"),
        S(status).label,
    )


def cancel_reason(user, note: str = "") -> str:
    # The customer reads this in their email; the history records which account did it.
    reason = "Cancelled by the shop"
    return f"{reason}: {note}" if note else reason


class OrderLineInline(ReadOnlyInline):
    """The lines as sold: a snapshot, so the catalog's current names and prices never show here."""

    model = OrderLine
    fields = ("product_name", "variant_name", "sku", "unit_price", "quantity", "line_total", "quantity_restocked")
    readonly_fields = fields


class StatusHistoryInline(ReadOnlyInline):
    model = OrderStatusEvent
    verbose_name = "status change"
    verbose_name_plural = "status history"
    fields = ("from_status", "status", "note", "actor", "at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class RefundInline(ReadOnlyInline):
    model = OrderRefund
    fields = ("created_at", "amount", "reason", "payment_id", "extra_payment", "status", "restocked",
              "provider_reference", "attention", "actor")  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class OrderActionForm(ActionForm):
    note = forms.CharField(
        required=False, max_length=500, widget=forms.TextInput(attrs={"placeholder": "note (emailed to the customer)"})
    )
    carrier = forms.CharField(
        required=False, max_length=100, widget=forms.TextInput(attrs={"placeholder": "carrier (when shipping)"})
    )


class StatusMoveForm(forms.Form):
    """
    What a status button posts. `to` is a plain string on purpose: whether the move is allowed is
    the lifecycle's rule, and its refusal is the message staff should read.
    """

    to = forms.CharField(max_length=12)
    note = forms.CharField(required=False, max_length=500)
    tracking_number = forms.CharField(required=False, max_length=100)
    carrier = forms.CharField(required=False, max_length=100)


@admin.register(Order)
class OrderAdmin(StoreTimeAdmin):
    list_display = ("number", "customer_email", "status_label", "payment_status", "payment_method",
                    "total_with_currency", "needs_attention", "created_at", "invoice_link")  # fmt: skip
    list_filter = ("status", "payment_status", "payment_method", "needs_attention", "created_at")
    search_fields = ("number", "email", "phone", "shipping_address__full_name")
    date_hierarchy = "created_at"
    # Every column is on the order itself (email and address are snapshots): no join, no per-row query.
    list_select_related = False
    list_per_page = 50
    inlines = [OrderLineInline, StatusHistoryInline, RefundInline]
    action_form = OrderActionForm
    actions = ["accept", "mark_shipped", "mark_delivered", "cancel"]
    fieldsets = (
        ("Status", {"fields": ("status_label", "payment_status", "stock_state", "reserved_until", "paid_at")}),
        ("Needs attention", {"fields": ("needs_attention", "attention_reason"),
                             "description": "Clear the flag once the problem is handled."}),
        ("Customer", {"fields": ("user", "email", "phone", "shipping_address_block", "customer_note")}),
        ("Delivery", {"fields": ("tracking_number", "carrier")}),
        ("Money", {"fields": ("payment_method", "subtotal", "discount_with_coupon", "shipping_fee", "tax_total",
                              "total_with_currency", "amount_paid", "amount_refunded")}),
        ("Dates", {"fields": ("created_at", "updated_at", "invoice_link")}),
    )  # fmt: skip
    readonly_fields = (
        "status_label", "payment_status", "stock_state", "reserved_until", "paid_at", "user", "email", "phone",
        "shipping_address_block", "customer_note", "payment_method", "subtotal", "discount_with_coupon",
        "shipping_fee", "tax_total", "total_with_currency", "amount_paid", "amount_refunded", "created_at",
        "updated_at", "invoice_link",
    )  # fmt: skip

    # --- Columns and read-only fields -----------------------------------------------------------

    @admin.display(description="customer email", ordering="email")
    def customer_email(self, order: Order) -> str:
        return order.email

    @admin.display(description="status", ordering="status")
    def status_label(self, order: Order) -> str:
        return status_badge(order.status)

    @admin.display(description="total", ordering="total")
    def total_with_currency(self, order: Order) -> str:
        return money(order, order.total)

    @admin.display(description="discount")
    def discount_with_coupon(self, order: Order) -> str:
        if not order.discount_total:
            return "-"
        coupon = f" (coupon {order.coupon_code})" if order.coupon_code else ""
        return f"-{money(order, order.discount_total)}{coupon}"

    @admin.display(description="shipping address")
    def shipping_address_block(self, order: Order) -> str:
        lines = address_lines(order.shipping_address)
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)) if lines else "-"

    @admin.display(description="invoice")
    def invoice_link(self, order: Order) -> str:
        if not order.pk:
            return "-"
        url = reverse("admin:orders_order_invoice", args=[order.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">Invoice</a>', url)

    # --- Permissions and saving -----------------------------------------------------------------

    def has_add_permission(self, request):
        return False  # orders come from checkout, which prices, reserves stock and numbers them

    def has_delete_permission(self, request, obj=None):
        return False  # an order is an accounting record: cancel it instead

    def save_model(self, request, obj, form, change):
        """
        Write only the fields staff may edit: a full save would write back the status and money
        read when the form loaded, undoing a payment or a move made meanwhile.
        """
        changed = [field for field in form.changed_data if field in EDITABLE_FIELDS]
        if changed:
            obj.save(update_fields=[*changed, "updated_at"])

    def get_search_results(self, request, queryset, search_term):
        """Find an order by the phone however it is typed (`0712 345 678`): orders store `2547…`."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            phone = normalize_phone(search_term)
        except InvalidPhoneNumber:
            return results, may_have_duplicates
        return results | queryset.filter(phone=phone), may_have_duplicates

    # --- Actions --------------------------------------------------------------------------------

    def _move_each(self, request, queryset, *, to: str, done: str) -> None:
        """Move every selected order on its own, so one refusal never holds back the others."""
        note = request.POST.get("note", "").strip()
        carrier = request.POST.get("carrier", "").strip() or None
        moved = 0
        for order in queryset.order_by("pk"):
            try:
                if to == S.CANCELLED:
                    order_cancel(order=order, actor=request.user, reason=cancel_reason(request.user, note),
                                 by_staff=True)  # fmt: skip
                else:
                    order_set_status(order=order, to=to, actor=request.user, note=note,
                                     carrier=carrier if to == S.SHIPPED else None)  # fmt: skip
                moved += 1
            except APIException as exc:
                self.message_user(request, f"{order.number} not moved: {problem_text(exc)}", messages.ERROR)
        if moved:
            self.message_user(request, f"{moved} order{'' if moved == 1 else 's'} {done}.", messages.SUCCESS)

    @admin.action(description="Accept (processing)", permissions=["change"])
    def accept(self, request, queryset):
        self._move_each(request, queryset, to=S.PROCESSING, done="accepted (processing)")

    @admin.action(description="Mark shipped (carrier and note above)", permissions=["change"])
    def mark_shipped(self, request, queryset):
        self._move_each(request, queryset, to=S.SHIPPED, done="marked shipped")

    @admin.action(description="Mark delivered", permissions=["change"])
    def mark_delivered(self, request, queryset):
        self._move_each(request, queryset, to=S.DELIVERED, done="marked delivered")

    @admin.action(description="Cancel (releases stock, refunds what was paid)", permissions=["change"])
    def cancel(self, request, queryset):
        if request.POST.get("confirm") != "yes":
            orders = list(queryset.order_by("pk"))
            hidden = [("action", "cancel"), *((ACTION_CHECKBOX_NAME, order.pk) for order in orders)]
            return self._confirm_cancel(request, orders, form_action="", hidden=hidden,
                                        back_url=reverse("admin:orders_order_changelist"))  # fmt: skip
        self._move_each(request, queryset, to=S.CANCELLED, done="cancelled")
        return None

    def _confirm_cancel(self, request, orders: list[Order], *, form_action: str, hidden: list, back_url: str):
        """Ask before cancelling: it cannot be undone, and it records refunds and emails customers."""
        rows = [
            {"order": order, "total": money(order, order.total),
             "refund": money(order, order.refundable_amount) if order.refundable_amount > 0 else ""}
            for order in orders
        ]  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "title": "Cancel orders?",
            "opts": self.opts,
            "orders": rows,
            "form_action": form_action,
            "hidden": hidden,
            "note": request.POST.get("note", ""),
            "back_url": back_url,
        }
        return TemplateResponse(request, "admin/orders/order/cancel_confirmation.html", context)

    # --- The status panel and the invoice -------------------------------------------------------

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/move/", wrap(self.move_view), name=f"{name}_move"),
            path("<path:object_id>/invoice/", wrap(self.invoice_view), name=f"{name}_invoice"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, unquote(object_id))
        if order is not None:
            extra_context = {**(extra_context or {}), "status_panel": self._status_panel(request, order)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _status_panel(self, request, order: Order) -> dict:
        moves = sorted(allowed_moves(order), key=STATUS_ORDER.index)
        return {
            "status": status_badge(order.status),
            "buttons": [(to, MOVE_LABELS[to]) for to in moves if to in STAFF_TARGETS],
            "automatic": [AUTOMATIC_MOVES[to] for to in moves if to not in STAFF_TARGETS and expirable(order, to)],
            "can_ship": S.SHIPPED in moves,
            "can_cancel": S.CANCELLED in moves,
            "can_move": self.has_change_permission(request, order),
            "move_url": reverse("admin:orders_order_move", args=[order.pk]),
            "invoice_url": reverse("admin:orders_order_invoice", args=[order.pk]),
        }

    @staticmethod
    def _change_url(order_id) -> str:
        return reverse("admin:orders_order_change", args=[order_id])

    def _order_or_404(self, request, object_id) -> Order:
        order = self.get_object(request, unquote(object_id))
        if order is None:
            raise Http404("No order with this id.")
        return order

    @staticmethod
    def _move_done_message(before: Order, after: Order) -> str:
        text = f"Order {after.number} is now {S(after.status).label.lower()}."
        refunded = after.amount_refunded - before.amount_refunded
        if refunded > 0:
            text += f" {money(after, refunded)} recorded as refunded: pay it back to the customer."
        return text

    @staticmethod
    def _move_args(request, data: dict) -> dict:
        if data["to"] == S.CANCELLED:
            return {"note": cancel_reason(request.user, data["note"].strip())}
        args = {"note": data["note"].strip()}
        if data["to"] == S.SHIPPED:
            # Blank means "keep what is there", so a tracking number typed into the form earlier survives.
            args.update(
                tracking_number=data["tracking_number"].strip() or None, carrier=data["carrier"].strip() or None
            )
        return args

    def move_view(self, request, object_id):
        """One status button: move this order through `order_set_status`, then back to its page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        order = self._order_or_404(request, object_id)
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        form = StatusMoveForm(request.POST)
        if not form.is_valid():
            errors = " ".join(f"{field}: {' '.join(texts)}" for field, texts in form.errors.items())
            self.message_user(request, f"Order not moved: {errors}", messages.ERROR)
            return HttpResponseRedirect(self._change_url(order.pk))
        data = form.cleaned_data
        if data["to"] == S.CANCELLED and request.POST.get("confirm") != "yes":
            return self._confirm_cancel(request, [order], form_action=request.path, hidden=[("to", S.CANCELLED)],
                                        back_url=self._change_url(order.pk))  # fmt: skip
        try:
            moved = order_set_status(order=order, to=data["to"], actor=request.user, **self._move_args(request, data))
        except APIException as exc:
            self.message_user(request, f"Order {order.number} not moved: {problem_text(exc)}", messages.ERROR)
        else:
            self.message_user(request, self._move_done_message(order, moved), messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(order.pk))

    def invoice_view(self, request, object_id):
        """A print-ready invoice; `?slip=1` leaves the prices out, for a packing slip in a gift parcel."""
        order = self._order_or_404(request, object_id)
        if not self.has_view_permission(request, order):
            raise PermissionDenied
        store = store_config()
        context = {
            "order": order,
            "lines": list(order.lines.all()),
            "store": store,
            "address": address_lines(order.shipping_address),
            "customer_name": (order.shipping_address or {}).get("full_name", ""),
            # The order's own tax rule, not today's setting: the invoice must say what was charged.
            "tax_included": order.prices_include_tax,
            "packing_slip": request.GET.get("slip") == "1",
            "status": S(order.status).label,
            "change_url": self._change_url(order.pk),
        }
        with store_time_zone():
            return rendered(TemplateResponse(request, "admin/orders/invoice.html", context))


def address_lines(address: dict | None) -> list[str]:
    """The snapshot address as it goes on a parcel: street, town and county, country."""
    address = address or {}
    town = " ".join(part for part in (address.get("city", ""), address.get("postal_code", "")) if part)
    rows = [
        address.get("line1", ""),
        address.get("line2", ""),
        ", ".join(dict.fromkeys(part for part in (town, address.get("county", "")) if part)),  # "Nairobi" once
        address.get("country", ""),
    ]
    return [row for row in rows if row]


class RefundActionForm(ActionForm):
    reference = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "M-Pesa reversal (or other) reference"}),
    )


@admin.register(OrderRefund)
class OrderRefundAdmin(ReadOnlyAdmin):
    """
    Every refund in one list, for reconciling what went back out against the gateways' statements,
    and for settling the ones a person must finish (their `attention` says what): an M-Pesa reversal
    made in the portal, a card refund Stripe did not confirm, or money a closed card could not take.
    """

    list_display = ("created_at", "order", "repair_id", "amount", "status", "reason", "payment_id", "extra_payment",
                    "restocked", "provider_reference", "attention", "actor")  # fmt: skip
    list_filter = ("status", "extra_payment", "restocked", "created_at")
    search_fields = ("order__number", "reason", "provider_reference")
    date_hierarchy = "created_at"
    list_select_related = ("order", "actor")
    action_form = RefundActionForm
    actions = ["record_reversal", "retry_through_gateway"]

    @admin.action(description="Record the reversal reference (typed above) as settled", permissions=["view"])
    def record_reversal(self, request, queryset):
        reference = request.POST.get("reference", "").strip()
        if not reference:
            self.message_user(request, "Type the reversal reference first.", messages.ERROR)
            return
        settled = [lifecycle.refund_mark_succeeded(refund=refund, reference=reference)
                   for refund in queryset.exclude(status=RefundStatus.SUCCEEDED)]  # fmt: skip
        self.message_user(request, f"{len(settled)} refund(s) recorded as settled with {reference}.", messages.SUCCESS)

    @admin.action(description="Retry failed refunds through the gateway", permissions=["view"])
    def retry_through_gateway(self, request, queryset):
        retried = [lifecycle.refund_retry(refund=refund) for refund in queryset.filter(status=RefundStatus.FAILED)]
        self.message_user(request, f"{len(retried)} refund(s) sent to the gateway again.", messages.SUCCESS)
