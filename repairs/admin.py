"""
The repair desk in the admin: a technician's queue, the counter's intake form, and the page of one
repair with its job card.

Everything that changes a repair goes through the services the API uses: intake through
`repair_create` (checked by the API's intake serializer), the desk's edits through `repair_update`,
status moves only through `repair_transition` (the buttons offer exactly `allowed_moves`; the
status is never a form field), quotes, the customer's answers and warranty claims through
`repairs.services.quotes` and `repairs.services.warranty`, notes through `note_add`. Money, status,
history, parts and timestamps are read-only records here. The job card is the printable intake receipt.
"""

from contextvars import ContextVar
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from rest_framework.exceptions import APIException

from accounts.models import User
from catalog.models import ProductVariant
from core.admin import ReadOnlyInline, StoreTimeAdmin, problem_text, rendered, store_time_zone
from core.dates import store_today
from core.phones import InvalidPhoneNumber, normalize_phone
from core.store import store_config
from repairs.links import tracking_qr_svg
from repairs.models import (
    QuoteLineKind,
    QuoteStatus,
    RepairNote,
    RepairPart,
    RepairQuote,
    RepairRequest,
    RepairStatus,
    RepairStatusEvent,
)
from repairs.notifications import tracking_url
from repairs.roles import DESK_ROLES
from repairs.services.lifecycle import TRANSITIONS, allowed_moves, repair_transition
from repairs.services.notes import note_add
from repairs.services.tickets import EDITABLE_FIELDS as TICKET_FIELDS
from repairs.services.tickets import repair_update

S = RepairStatus

# What each move is called on its button.
MOVE_LABELS = {
    S.DIAGNOSING: "Start diagnosis",
    S.AWAITING_APPROVAL: "Await the customer's approval",
    S.AWAITING_PARTS: "Wait for parts",
    S.IN_REPAIR: "Start the repair",
    S.READY_FOR_PICKUP: "Ready for pickup",
    S.COMPLETED: "Hand over (completed)",
    S.CANCELLED: "Cancel repair",
}
STATUS_COLOURS = {
    S.RECEIVED: "#b7791f",
    S.DIAGNOSING: "#2b6cb0",
    S.AWAITING_APPROVAL: "#6b46c1",
    S.AWAITING_PARTS: "#c05621",
    S.IN_REPAIR: "#2c7a7b",
    S.READY_FOR_PICKUP: "#2f855a",
    S.COMPLETED: "#4a5568",
    S.CANCELLED: "#718096",
}
# A repair is closed when the table lets it move nowhere: nothing about it can be late any more.
CLOSED_STATUSES = frozenset(status for status, moves in TRANSITIONS.items() if not moves)
EDITABLE_FIELDS = ("assigned_technician", "promised_by", "diagnosis", "final_cost", "condition_notes", "accessories",
                   "needs_attention", "attention_reason")  # fmt: skip
# What the counter types when a device is handed in (the API's `POST repairs` body).
INTAKE_FIELDS = ("device_type", "brand", "model", "serial_number", "issue_description", "condition_notes",
                 "accessories", "unlocks_at_counter", "contact_name", "contact_phone", "contact_email")  # fmt: skip
QUIET = "color:var(--body-quiet-color,#666)"

# The store's currency for the page being drawn: read once per request, not once per row.
_currency: ContextVar[str | None] = ContextVar("repairs_admin_currency", default=None)


def money(amount: Decimal | None) -> str:
    if amount is None:
        return "-"
    return f"{_currency.get() or store_config().currency} {amount:,.2f}"


def status_badge(status: str) -> str:
    return format_html(
        '<span style="display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;background:{};'
        'font-size:11px;font-weight:600;white-space:nowrap;">{}</span>',
        STATUS_COLOURS.get(status, "#4a5568"),
        S(status).label,
    )


def person(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


def desk_member_label(user: User) -> str:
    name = user.get_full_name()
    return f"{name} ({user.email})" if name else user.email


def is_overdue(repair: RepairRequest, today) -> bool:
    """Promised before the store's today and still open."""
    return repair.promised_by is not None and repair.promised_by < today and repair.status not in CLOSED_STATUSES


def overdue_filter(queryset, today):
    return queryset.filter(promised_by__lt=today).exclude(status__in=CLOSED_STATUSES)


# --- List filters --------------------------------------------------------------------------------


class QueueFilter(admin.SimpleListFilter):
    """Whose work it is: the signed-in technician's, nobody's yet, or everyone's (Django's "All")."""

    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("mine", "Mine"), ("unassigned", "Unassigned")]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(assigned_technician=request.user)
        if self.value() == "unassigned":
            return queryset.filter(assigned_technician__isnull=True)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = "promised by"
    parameter_name = "promised"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("today", "Due today")]

    def queryset(self, request, queryset):
        today = store_today()
        if self.value() == "overdue":
            return overdue_filter(queryset, today)
        if self.value() == "today":
            return queryset.filter(promised_by=today).exclude(status__in=CLOSED_STATUSES)
        return queryset


# --- Inlines -------------------------------------------------------------------------------------


class HistoryInline(ReadOnlyInline):
    model = RepairStatusEvent
    verbose_name = "status change"
    verbose_name_plural = "status history"
    fields = ("from_status", "status", "note", "by", "at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description="by")
    def by(self, event: RepairStatusEvent) -> str:
        return person(event.actor) or "-"


class NoteInline(admin.TabularInline):
    """Notes are added, never edited or removed: the customer may already have read a public one."""

    model = RepairNote
    extra = 1
    can_delete = False
    fields = ("body", "is_public", "by", "created_at")
    readonly_fields = ("by", "created_at")
    verbose_name = "note"
    verbose_name_plural = "notes (private to the desk, or public on the tracking page)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    @admin.display(description="by")
    def by(self, note: RepairNote) -> str:
        return person(note.author) or "-"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["body"].widget = forms.Textarea(attrs={"rows": 2, "cols": 60})
        formset.form.base_fields["is_public"].label = "Public"
        formset.form.base_fields["is_public"].help_text = "Shown to the customer on the tracking page."
        return formset

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class QuoteInline(ReadOnlyInline):
    """Every version as it was sent or decided; the draft is edited in the quote panel below."""

    model = RepairQuote
    verbose_name = "quote version"
    fields = ("version", "status", "total_label", "lines_table", "note", "sent_at", "decided_at", "decided")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("decided_by").prefetch_related("lines__variant")

    @admin.display(description="decided by")
    def decided(self, quote: RepairQuote) -> str:
        if quote.decided_at is None:
            return "-"
        return person(quote.decided_by) or "the customer, with the tracking code"

    @admin.display(description="total")
    def total_label(self, quote: RepairQuote) -> str:
        return money(quote.total)

    @admin.display(description="lines")
    def lines_table(self, quote: RepairQuote) -> str:
        rows = [
            (line.get_kind_display(), line.description, line.variant.sku if line.variant else "", line.quantity,
             money(line.unit_price), money(line.line_total))
            for line in quote.lines.all()
        ]  # fmt: skip
        if not rows:
            return "-"
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html(
            '<table class="quote-lines"><thead><tr><th>kind</th><th>description</th><th>SKU</th><th>qty</th>'
            "<th>unit price</th><th>line total</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )


class PartInline(ReadOnlyInline):
    """Units held for the repair, with the shelf as it is now: moved only by the parts services."""

    model = RepairPart
    fields = ("sku", "variant_name", "quantity", "state", "on_hand", "reserved", "available", "updated_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("variant__product")

    @admin.display(description="SKU")
    def sku(self, part: RepairPart) -> str:
        return part.variant.sku

    @admin.display(description="part")
    def variant_name(self, part: RepairPart) -> str:
        variant = part.variant
        return f"{variant.product.name} ({variant.name})" if variant.name else variant.product.name

    @admin.display(description="on hand")
    def on_hand(self, part: RepairPart) -> int:
        return part.variant.stock_quantity

    @admin.display(description="reserved (all)")
    def reserved(self, part: RepairPart) -> int:
        return part.variant.reserved_quantity

    @admin.display(description="available")
    def available(self, part: RepairPart) -> int:
        return part.variant.available


# --- The repair's own forms: intake and the desk's edits -----------------------------------------


def add_service_errors(form: forms.Form, detail) -> None:
    """Put a DRF error detail (a service's or serializer's refusal) on the form's fields, or above them."""
    if not isinstance(detail, dict):
        detail = {None: detail}
    for field, errors in detail.items():
        texts = errors if isinstance(errors, list) else [errors]
        form.add_error(field if field in form.fields else None, " ".join(str(text) for text in texts))


class IntakeForm(forms.ModelForm):
    """
    A device handed in at the counter. It is checked by the API's own intake serializer (the phone
    normalised, an IMEI's check digit, no passcode), so the rules are written once, and saved by
    `repair_create`, which draws the tracking code and writes the first history row.
    """

    class Meta:
        model = RepairRequest
        fields = [*INTAKE_FIELDS, "assigned_technician", "promised_by"]

    def clean(self):
        cleaned = super().clean()
        from repairs.serializers import RepairCreateSerializer

        serializer = RepairCreateSerializer(data={name: cleaned[name] for name in INTAKE_FIELDS if name in cleaned})
        if serializer.is_valid():
            self.intake = dict(serializer.validated_data)
        else:
            add_service_errors(self, serializer.errors)
        return cleaned


class RepairChangeForm(forms.ModelForm):
    """The desk's edits, checked by the services' rules before saving (they check again, under the lock)."""

    class Meta:
        model = RepairRequest
        fields = list(EDITABLE_FIELDS)

    def clean_assigned_technician(self):
        from repairs.services.tickets import technician_check

        technician = self.cleaned_data.get("assigned_technician")
        try:
            technician_check(technician)
        except APIException as exc:
            raise forms.ValidationError(problem_text(exc)) from None
        return technician

    def clean_final_cost(self):
        amount = self.cleaned_data.get("final_cost")
        if amount is not None and "final_cost" in self.changed_data:
            from repairs.services.quotes import final_cost_check  # the quotes module owns the rule

            try:
                final_cost_check(self.instance, amount)
            except APIException as exc:
                raise forms.ValidationError(problem_text(exc)) from None
        return amount


# --- Forms the page's own panels post ------------------------------------------------------------


class StatusMoveForm(forms.Form):
    """
    What a status button posts. `to` is a plain string on purpose: whether the move is allowed is
    the lifecycle's rule, and its refusal is the message the technician should read.
    """

    to = forms.CharField(max_length=20)
    note = forms.CharField(required=False, max_length=500)


class QuoteLineForm(forms.Form):
    kind = forms.ChoiceField(choices=QuoteLineKind.choices)
    description = forms.CharField(max_length=255, required=False)
    sku = forms.CharField(max_length=64, required=False, help_text="Parts only: the catalog variant's SKU.")
    quantity = forms.IntegerField(min_value=1, initial=1)
    unit_price = forms.DecimalField(
        required=False, min_value=Decimal("0"), max_digits=12, decimal_places=2,
        help_text="Blank for a part: the catalog's price.",
    )  # fmt: skip


QuoteLineFormSet = forms.formset_factory(QuoteLineForm, extra=3, max_num=50, validate_max=True)


class QuoteDraftForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))


# --- The repair admin ----------------------------------------------------------------------------


@admin.register(RepairRequest)
class RepairRequestAdmin(StoreTimeAdmin):
    list_display = ("tracking_code", "device", "customer", "status_label", "technician", "promised",
                    "time_in_status", "amount_due_label", "attention")  # fmt: skip
    list_display_links = ("tracking_code",)
    list_filter = (QueueFilter, OverdueFilter, "status", "device_type", "needs_attention")
    search_fields = ("tracking_code", "contact_name", "contact_phone", "serial_number")
    # The one join every row needs (the technician's name); every other column is on the repair.
    list_select_related = ("assigned_technician",)
    list_per_page = 50
    inlines = [HistoryInline, NoteInline, QuoteInline, PartInline]
    form = RepairChangeForm
    add_fieldsets = (
        ("Device", {"fields": ("device_type", "brand", "model", "serial_number", "issue_description",
                               "condition_notes", "accessories", "unlocks_at_counter"),
                    "description": "Never write down a passcode: tick the box, and the customer unlocks the "
                                   "device at the counter when it is needed."}),
        ("Customer", {"fields": ("contact_name", "contact_phone", "contact_email")}),
        ("Work", {"fields": ("assigned_technician", "promised_by")}),
    )  # fmt: skip
    fieldsets = (
        ("Status", {"fields": ("tracking_code", "status_label", "status_changed_at", "time_in_status",
                               "job_card_link")}),
        ("Needs attention", {"fields": ("needs_attention", "attention_reason"),
                             "description": "Clear the flag once the problem is handled."}),
        ("Work", {"fields": ("assigned_technician", "promised_by", "diagnosis")}),
        ("Device", {"fields": ("device_type", "brand", "model", "serial_number", "issue_description",
                               "condition_notes", "accessories", "unlocks_at_counter")}),
        ("Customer", {"fields": ("contact_name", "contact_phone", "contact_email", "account")}),
        ("Money", {"fields": ("estimated_label", "approved_label", "final_cost", "paid_label", "refunded_label",
                              "amount_due_label", "payment_status"),
                   "description": "The final cost may not be above the approved quote: more work needs a revised "
                                  "quote, approved again."}),
        ("Warranty", {"fields": ("warranty_until", "warranty_of")}),
        ("Dates", {"fields": ("created_at", "updated_at", "completed_at")}),
    )  # fmt: skip
    readonly_fields = (
        "tracking_code", "status_label", "status_changed_at", "time_in_status", "job_card_link", "device_type",
        "brand", "model", "serial_number", "issue_description", "unlocks_at_counter", "contact_name",
        "contact_phone", "contact_email", "account", "estimated_label", "approved_label", "paid_label",
        "refunded_label", "amount_due_label", "payment_status", "warranty_until", "warranty_of", "created_at",
        "updated_at", "completed_at",
    )  # fmt: skip

    # --- Columns and read-only fields -----------------------------------------------------------

    @admin.display(description="device", ordering="brand")
    def device(self, repair: RepairRequest) -> str:
        return format_html(
            '{} {} <span style="{};font-size:11px">{}</span>', repair.brand, repair.model, QUIET,
            repair.get_device_type_display().lower(),
        )  # fmt: skip

    @admin.display(description="customer", ordering="contact_name")
    def customer(self, repair: RepairRequest) -> str:
        return repair.contact_name

    @admin.display(description="status", ordering="status")
    def status_label(self, repair: RepairRequest) -> str:
        return status_badge(repair.status)

    @admin.display(description="technician", ordering="assigned_technician__first_name")
    def technician(self, repair: RepairRequest) -> str:
        name = person(repair.assigned_technician)
        return name or format_html('<span style="{}">unassigned</span>', QUIET)

    @admin.display(description="promised by", ordering="promised_by")
    def promised(self, repair: RepairRequest) -> str:
        if repair.promised_by is None:
            return "-"
        day = repair.promised_by.strftime("%-d %b %Y")
        if is_overdue(repair, store_today()):
            return format_html(
                '<strong class="overdue" style="color:var(--error-fg,#ba2121)">{} · overdue</strong>', day
            )
        return day

    @admin.display(description="in this status", ordering="status_changed_at")
    def time_in_status(self, repair: RepairRequest) -> str:
        return timesince(repair.status_changed_at, timezone.now(), depth=2)

    @admin.display(description="amount due")
    def amount_due_label(self, repair: RepairRequest) -> str:
        return money(repair.amount_due)

    @admin.display(description="attention", ordering="needs_attention")
    def attention(self, repair: RepairRequest) -> str:
        if repair.needs_attention:
            return format_html(
                '<span class="needs-attention" style="color:var(--error-fg,#ba2121);font-weight:600" title="{}">'
                "⚠ needs attention</span>",
                repair.attention_reason,
            )
        return format_html('<span class="no-attention" style="{}">&mdash;</span>', QUIET)

    @admin.display(description="account")
    def account(self, repair: RepairRequest) -> str:
        # Text, not a link: a technician may not open customer accounts.
        return repair.user.email if repair.user_id else "none (handed in without an account)"

    @admin.display(description="estimated cost")
    def estimated_label(self, repair: RepairRequest) -> str:
        return money(repair.estimated_cost)

    @admin.display(description="approved quote")
    def approved_label(self, repair: RepairRequest) -> str:
        return money(repair.approved_total)

    @admin.display(description="paid")
    def paid_label(self, repair: RepairRequest) -> str:
        return money(repair.amount_paid)

    @admin.display(description="refunded")
    def refunded_label(self, repair: RepairRequest) -> str:
        return money(repair.amount_refunded)

    @admin.display(description="job card")
    def job_card_link(self, repair: RepairRequest) -> str:
        if not repair.pk:
            return "-"
        url = reverse("admin:repairs_repairrequest_job_card", args=[repair.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">Print the job card</a>', url)

    # --- Pages, permissions and saving ----------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        token = _currency.set(store_config().currency)
        try:
            return super().changelist_view(request, extra_context)
        finally:
            _currency.reset(token)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        token = _currency.set(store_config().currency)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except APIException as exc:
            # A service refused under its lock what the form's checks let through (another desk changed
            # the repair meanwhile); the admin's transaction has rolled the whole save back.
            self.message_user(request, f"Nothing was saved: {problem_text(exc)}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        finally:
            _currency.reset(token)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = IntakeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else super().get_readonly_fields(request, obj)

    def get_inlines(self, request, obj):
        return [] if obj is None else super().get_inlines(request, obj)

    def response_post_save_add(self, request, obj):
        """From intake straight to the repair's page, where the job card is printed."""
        url = reverse("admin:repairs_repairrequest_job_card", args=[obj.pk])
        link = format_html('<a href="{}" target="_blank" rel="noopener">job card</a>', url)
        self.message_user(request, format_html("Print the {} for the customer.", link))
        return HttpResponseRedirect(self._change_url(obj.pk))

    def has_delete_permission(self, request, obj=None):
        return False  # a repair is a record of a device in the shop's hands: cancel it instead

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assigned_technician":
            # Only people who work the desk can be given a repair.
            kwargs["queryset"] = User.objects.filter(role__in=DESK_ROLES, is_active=True).order_by(
                "first_name", "last_name", "email"
            )
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = desk_member_label
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """
        Write only the fields the desk may edit: a full save would write back the status and money
        read when the form loaded, undoing a move or a payment made meanwhile. The ticket's own
        fields (technician, promised date, diagnosis) go through `repair_update`, as a PATCH does.
        """
        if not change:
            self._take_in(request, obj, form)
            return
        changed = [field for field in form.changed_data if field in EDITABLE_FIELDS]
        ticket_changes = {field: getattr(obj, field) for field in changed if field in TICKET_FIELDS}
        if ticket_changes:
            repair_update(repair=obj, actor=request.user, changes=ticket_changes)
        flags = [field for field in changed if field not in TICKET_FIELDS]
        if flags:
            obj.save(update_fields=[*flags, "updated_at"])

    @staticmethod
    def _take_in(request, obj: RepairRequest, form: IntakeForm) -> None:
        """Create the ticket through `repair_create` and make `obj` (which the admin goes on with) be it."""
        from repairs.services.tickets import repair_create

        repair = repair_create(data=form.intake, user=request.user)
        work = {name: form.cleaned_data[name] for name in ("assigned_technician", "promised_by")
                if form.cleaned_data.get(name)}  # fmt: skip
        if work:
            repair = repair_update(repair=repair, actor=request.user, changes=work)
        obj.__dict__.update({key: value for key, value in repair.__dict__.items() if key != "_state"})
        obj._state.adding, obj._state.db = False, repair._state.db

    def save_formset(self, request, form, formset, change):
        if formset.model is not RepairNote:
            return super().save_formset(request, form, formset, change)
        for note in formset.save(commit=False):
            if note.pk is None:
                note_add(repair=form.instance, author=request.user, body=note.body, is_public=note.is_public)
        return None

    def get_search_results(self, request, queryset, search_term):
        """Find a repair by the phone however it is typed (`0712 345 678`): repairs store `2547…`."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            phone = normalize_phone(search_term)
        except InvalidPhoneNumber:
            return results, may_have_duplicates
        return results | queryset.filter(contact_phone=phone), may_have_duplicates

    # --- The status and quote panels ------------------------------------------------------------

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/move/", wrap(self.move_view), name=f"{name}_move"),
            path("<path:object_id>/quote/", wrap(self.quote_save_view), name=f"{name}_quote"),
            path("<path:object_id>/quote/send/", wrap(self.quote_send_view), name=f"{name}_quote_send"),
            path("<path:object_id>/quote/answer/", wrap(self.quote_answer_view), name=f"{name}_quote_answer"),
            path("<path:object_id>/warranty-claim/", wrap(self.warranty_claim_view), name=f"{name}_warranty_claim"),
            path("<path:object_id>/record-cash/", wrap(self.record_cash_view), name=f"{name}_record_cash"),
            path("<path:object_id>/job-card/", wrap(self.job_card_view), name=f"{name}_job_card"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        repair = self.get_object(request, unquote(object_id))
        if repair is not None:
            with _currency_of_store():
                extra_context = {
                    **(extra_context or {}),
                    "status_panel": self._status_panel(request, repair),
                    "quote_panel": self._quote_panel(request, repair),
                }
        return super().change_view(request, object_id, form_url, extra_context)

    def _status_panel(self, request, repair: RepairRequest) -> dict:
        moves = allowed_moves(repair)
        return {
            "status": status_badge(repair.status),
            "buttons": [(to, MOVE_LABELS.get(to, S(to).label)) for to in moves],
            "can_move": self.has_change_permission(request, repair),
            "move_url": reverse("admin:repairs_repairrequest_move", args=[repair.pk]),
            "job_card_url": reverse("admin:repairs_repairrequest_job_card", args=[repair.pk]),
            "overdue": is_overdue(repair, store_today()),
            "amount_due": money(repair.amount_due) if repair.amount_due > 0 else "",
            "payment": repair.payment_status.replace("_", " "),
            "warranty": self._warranty_panel(request, repair),
            # Money is taken by staff only (API.md's record-cash), never by technicians.
            "can_take_cash": repair.amount_due > 0 and repair.status != S.CANCELLED and request.user.is_staff_role,
            "cash_url": reverse("admin:repairs_repairrequest_record_cash", args=[repair.pk]),
        }

    def _warranty_panel(self, request, repair: RepairRequest) -> dict | None:
        if repair.warranty_until is None:
            return None
        under_warranty = store_today() <= repair.warranty_until
        return {
            "until": repair.warranty_until,
            "open": under_warranty,
            # A claim is the customer's to make; staff open it for them at the counter (as the API allows).
            "can_claim": under_warranty and repair.status == S.COMPLETED and request.user.is_staff_role,
            "claim_url": reverse("admin:repairs_repairrequest_warranty_claim", args=[repair.pk]),
        }

    def _quote_panel(self, request, repair: RepairRequest) -> dict | None:
        """The draft quote as a form, for those who may change quotes, while the repair is open."""
        if repair.status in CLOSED_STATUSES or not request.user.has_perm("repairs.change_repairquote"):
            return None
        draft = repair.quotes.filter(status=QuoteStatus.DRAFT).prefetch_related("lines__variant").first()
        sent = repair.quotes.filter(status=QuoteStatus.SENT).first()
        initial = [
            {"kind": line.kind, "description": line.description, "sku": line.variant.sku if line.variant else "",
             "quantity": line.quantity, "unit_price": line.unit_price}
            for line in (draft.lines.all() if draft else [])
        ]  # fmt: skip
        return {
            "draft": draft,
            "formset": QuoteLineFormSet(initial=initial, prefix="lines"),
            "form": QuoteDraftForm(initial={"note": draft.note if draft else ""}),
            "save_url": reverse("admin:repairs_repairrequest_quote", args=[repair.pk]),
            "send_url": reverse("admin:repairs_repairrequest_quote_send", args=[repair.pk]),
            "can_send": draft is not None and bool(initial),
            "draft_total": money(draft.total) if draft else "",
            "sent": sent,
            "sent_total": money(sent.total) if sent else "",
            # The customer's decision, which staff may record for them at the counter (technicians may not).
            "can_answer": sent is not None and request.user.is_staff_role,
            "answer_url": reverse("admin:repairs_repairrequest_quote_answer", args=[repair.pk]),
        }

    @staticmethod
    def _change_url(repair_id) -> str:
        return reverse("admin:repairs_repairrequest_change", args=[repair_id])

    def _repair_or_404(self, request, object_id) -> RepairRequest:
        repair = self.get_object(request, unquote(object_id))
        if repair is None:
            raise Http404("No repair with this id.")
        return repair

    def _changeable_repair(self, request, object_id) -> RepairRequest:
        repair = self._repair_or_404(request, object_id)
        if not self.has_change_permission(request, repair):
            raise PermissionDenied
        return repair

    def move_view(self, request, object_id):
        """One status button: move this repair through `repair_transition`, then back to its page."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        repair = self._changeable_repair(request, object_id)
        form = StatusMoveForm(request.POST)
        if not form.is_valid():
            errors = " ".join(f"{field}: {' '.join(texts)}" for field, texts in form.errors.items())
            self.message_user(request, f"Repair not moved: {errors}", messages.ERROR)
            return HttpResponseRedirect(self._change_url(repair.pk))
        to, note = form.cleaned_data["to"], form.cleaned_data["note"].strip()
        if to == S.CANCELLED and request.POST.get("confirm") != "yes":
            return self._confirm_cancel(request, repair, note)
        try:
            moved = repair_transition(repair=repair, to=to, actor=request.user, note=note)
        except APIException as exc:
            self.message_user(request, f"{repair.tracking_code} not moved: {problem_text(exc)}", messages.ERROR)
        else:
            text = f"{moved.tracking_code} is now {S(moved.status).label.lower()}."
            if moved.status == S.COMPLETED and moved.amount_due > 0:
                with _currency_of_store():
                    due = money(moved.amount_due)
                text += f" {due} is still due: it shows under Needs attention until it is paid."
            self.message_user(request, text, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(repair.pk))

    def _confirm_cancel(self, request, repair: RepairRequest, note: str):
        """Ask before cancelling: it cannot be undone, it releases the parts and emails the customer."""
        context = {
            **self.admin_site.each_context(request),
            "title": "Cancel this repair?",
            "opts": self.opts,
            "repair": repair,
            "original": repair,
            "note": note,
            "form_action": request.path,
            "back_url": self._change_url(repair.pk),
        }
        return TemplateResponse(request, "admin/repairs/repairrequest/cancel_confirmation.html", context)

    def quote_save_view(self, request, object_id):
        """Save the draft quote through `quote_draft_save` (prices, totals and checks are the service's)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        repair = self._changeable_repair(request, object_id)
        if not request.user.has_perm("repairs.change_repairquote"):
            raise PermissionDenied
        formset = QuoteLineFormSet(request.POST, prefix="lines")
        form = QuoteDraftForm(request.POST)
        if not (formset.is_valid() and form.is_valid()):
            self.message_user(request, f"Quote not saved: {formset_problems(formset, form)}", messages.ERROR)
            return HttpResponseRedirect(self._change_url(repair.pk))
        try:
            lines = quote_lines(formset)
        except forms.ValidationError as exc:
            self.message_user(request, f"Quote not saved: {' '.join(exc.messages)}", messages.ERROR)
            return HttpResponseRedirect(self._change_url(repair.pk))
        from repairs.services.quotes import quote_draft_save  # written alongside; imported when used

        try:
            quote = quote_draft_save(repair=repair, lines=lines, note=form.cleaned_data["note"], actor=request.user)
        except APIException as exc:
            self.message_user(request, f"Quote not saved: {problem_text(exc)}", messages.ERROR)
        else:
            with _currency_of_store():
                total = money(quote.total)
            self.message_user(request, f"Draft quote v{quote.version} saved: {total}.", messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(repair.pk))

    def quote_send_view(self, request, object_id):
        """Send the draft through `quote_send`: it freezes the version, moves the repair and emails the customer."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        repair = self._changeable_repair(request, object_id)
        if not request.user.has_perm("repairs.change_repairquote"):
            raise PermissionDenied
        from repairs.services.quotes import quote_send  # written alongside; imported when used

        try:
            sent = quote_send(repair=repair, actor=request.user)
        except APIException as exc:
            self.message_user(request, f"Quote not sent: {problem_text(exc)}", messages.ERROR)
        else:
            self.message_user(
                request,
                f"Quote sent to {sent.contact_email}; {sent.tracking_code} is now {S(sent.status).label.lower()}.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(self._change_url(repair.pk))

    def _staff_repair(self, request, object_id) -> RepairRequest:
        """A repair for what only staff do at the counter (the customer's answers, claims, money), never technicians."""
        repair = self._repair_or_404(request, object_id)
        if not (self.has_view_permission(request, repair) and request.user.is_staff_role):
            raise PermissionDenied
        return repair

    def quote_answer_view(self, request, object_id):
        """The customer's answer to the sent quote, given at the counter: `quote_approve` or `quote_decline`."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        repair = self._staff_repair(request, object_id)
        from repairs.services.quotes import quote_approve, quote_decline  # written alongside; imported when used

        answer = request.POST.get("answer", "")
        answers = {
            "approve": lambda: quote_approve(repair=repair, actor=request.user),
            "decline": lambda: quote_decline(repair=repair, actor=request.user),
            "rediagnose": lambda: quote_decline(repair=repair, actor=request.user, back_to_diagnosis=True),
        }
        if answer not in answers:
            self.message_user(request, f"Unknown answer {answer!r}: approve, decline or rediagnose.", messages.ERROR)
            return HttpResponseRedirect(self._change_url(repair.pk))
        try:
            answered = answers[answer]()
        except APIException as exc:
            self.message_user(request, f"Answer not recorded: {problem_text(exc)}", messages.ERROR)
        else:
            verb = "approved" if answer == "approve" else "declined"
            status = S(answered.status).label.lower()
            self.message_user(request, f"Quote {verb}; {answered.tracking_code} is now {status}.", messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(repair.pk))

    def warranty_claim_view(self, request, object_id):
        """Open a free warranty claim on this completed repair through `warranty_claim_open`, then show it."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        repair = self._staff_repair(request, object_id)
        issue = request.POST.get("issue_description", "").strip()
        if not issue:
            self.message_user(request, "Claim not opened: say what is wrong with the device.", messages.ERROR)
            return HttpResponseRedirect(self._change_url(repair.pk))
        from repairs.services.warranty import warranty_claim_open  # written alongside; imported when used

        try:
            claim = warranty_claim_open(repair=repair, issue_description=issue[:5000], actor=request.user)
        except APIException as exc:
            self.message_user(request, f"Claim not opened: {problem_text(exc)}", messages.ERROR)
            return HttpResponseRedirect(self._change_url(repair.pk))
        self.message_user(
            request,
            f"Warranty claim {claim.tracking_code} opened on {repair.tracking_code}, free of charge, "
            f"under warranty until {claim.warranty_until:%-d %B %Y}.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url(claim.pk))

    def record_cash_view(self, request, object_id):
        """Cash taken at the counter, through `repair_record_cash` (which wants exactly what is due)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        repair = self._staff_repair(request, object_id)
        try:
            amount = Decimal(request.POST.get("amount", "").replace(",", "").strip())
        except ArithmeticError:
            amount = None
        if amount is None or not amount.is_finite():
            self.message_user(request, "Cash not recorded: type the amount taken, e.g. 2500.00.", messages.ERROR)
            return HttpResponseRedirect(self._change_url(repair.pk))
        from repairs.services.payments import repair_record_cash  # written alongside; imported when used

        try:
            paid = repair_record_cash(repair=repair, amount=amount, actor=request.user)
        except APIException as exc:
            self.message_user(request, f"Cash not recorded: {problem_text(exc)}", messages.ERROR)
        else:
            with _currency_of_store():
                taken = money(amount)
            state = paid.payment_status.replace("_", " ")
            self.message_user(request, f"{taken} in cash recorded on {paid.tracking_code}: {state}.", messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(repair.pk))

    # --- The job card ---------------------------------------------------------------------------

    def job_card_view(self, request, object_id):
        """The printable intake receipt: what was handed in, how to follow it, and the shop's terms."""
        repair = self._repair_or_404(request, object_id)
        if not self.has_view_permission(request, repair):
            raise PermissionDenied
        store = store_config()
        context = {
            "repair": repair,
            "store": store,
            "tracking_url": tracking_url(repair),
            "qr_svg": tracking_qr_svg(repair),
            "warranty_days": store.repair_warranty_days,
            "change_url": self._change_url(repair.pk),
        }
        with store_time_zone():
            return rendered(TemplateResponse(request, "admin/repairs/job_card.html", context))


class _currency_of_store:
    """Money in a message written outside a page (after a move): the store's currency, read once."""

    def __enter__(self):
        self.token = _currency.set(store_config().currency)

    def __exit__(self, *exc):
        _currency.reset(self.token)


def formset_problems(formset, form) -> str:
    problems = [f"line {index + 1}: {field} {' '.join(texts)}" for index, errors in enumerate(formset.errors)
                for field, texts in errors.items()]  # fmt: skip
    problems += [" ".join(formset.non_form_errors())] if formset.non_form_errors() else []
    problems += [f"{field}: {' '.join(texts)}" for field, texts in form.errors.items()]
    return "; ".join(problems)


def quote_lines(formset) -> list[dict]:
    """
    The filled rows as the quote service takes them (API.md's draft lines), parts found by SKU.
    Untouched rows are skipped; an unknown SKU is the technician's typo, said here by name. Whether a
    line makes sense (labour needs a price, a part a variant still sold) is the service's to say.
    """
    rows = [
        row for row in formset.cleaned_data
        if row and (row.get("description") or row.get("sku") or row.get("unit_price") is not None)
    ]  # fmt: skip
    variants: dict[str, int] = {}
    for sku in {row["sku"].strip() for row in rows if row.get("sku")}:
        found = ProductVariant.objects.filter(sku__iexact=sku).values_list("pk", flat=True).first()
        if found is None:
            raise forms.ValidationError(f"No catalog variant has the SKU {sku}.")
        variants[sku] = found
    lines = []
    for row in rows:
        line = {"kind": row["kind"], "description": row.get("description", "").strip(), "quantity": row["quantity"]}
        if row.get("sku"):
            line["variant_id"] = variants[row["sku"].strip()]
        if row.get("unit_price") is not None:
            line["unit_price"] = row["unit_price"]
        lines.append(line)
    return lines
