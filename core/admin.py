from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from rest_framework.exceptions import APIException, ValidationError

from core.models import Event, PaymentMethod, ShippingZone, StoreSettings
from core.services import payment_methods_clean, zone_counties_clean
from core.store import payment_methods_offered, store_settings_record


def store_time_zone():
    """
    Show times, "Today" and the date drill-down in the shop's days, as every other date filter
    of Duka counts them (`core.dates`): an order at 01:00 in Nairobi belongs to that day, not the one before.
    """
    return timezone.override(ZoneInfo(settings.STORE_TIME_ZONE))


def rendered(response):
    """Render a template response now, while the store's time zone is active (it would render later, outside)."""
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    return response


class StoreTimeAdmin(admin.ModelAdmin):
    """An admin whose lists and forms show times in the shop's days (see `store_time_zone`)."""

    def changelist_view(self, request, extra_context=None):
        with store_time_zone():
            return rendered(super().changelist_view(request, extra_context))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with store_time_zone():
            return rendered(super().changeform_view(request, object_id, form_url, extra_context))


def problem_text(exc: APIException) -> str:
    """Flatten a DRF error detail (a string, a list or a dict of them) into one sentence for an admin message."""

    def flatten(detail) -> list[str]:
        if isinstance(detail, dict):
            return [text for value in detail.values() for text in flatten(value)]
        if isinstance(detail, list):
            return [text for value in detail for text in flatten(value)]
        return [str(detail)]

    return " ".join(flatten(exc.detail))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit records: visible to whoever may view them, changed by nobody."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under their parent (order lines, history, cart items) that nobody edits from there."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "type", "actor", "payload")
    list_filter = ("type", "occurred_at")
    search_fields = ("type", "actor__email")
    date_hierarchy = "occurred_at"
    list_select_related = ("actor",)


class StoreSettingsForm(forms.ModelForm):
    payment_methods = forms.MultipleChoiceField(
        choices=PaymentMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Checkout offers the ticked methods this server is set up for (see “Offered at checkout now”).",
    )

    class Meta:
        model = StoreSettings
        fields = ["payment_methods"]  # the admin adds the rest from its fieldsets

    def clean_payment_methods(self):
        try:
            methods = self.cleaned_data["payment_methods"]
            return payment_methods_clean(methods, enabled_before=self.instance.payment_methods)
        except ValidationError as exc:
            raise forms.ValidationError(" ".join(str(e) for e in exc.detail["payment_methods"])) from exc


@admin.register(StoreSettings)
class StoreSettingsAdmin(admin.ModelAdmin):
    """One record: the list page goes straight to it, and it can be neither added twice nor deleted."""

    form = StoreSettingsForm
    fieldsets = (
        ("Shop", {"fields": ("name", "currency", "contact_email", "contact_phone", "address")}),
        ("Tax and shipping", {"fields": ("tax_rate", "prices_include_tax", "shipping_flat_fee",
                                         "free_shipping_threshold")}),
        ("Checkout", {"fields": ("payment_methods", "offered_now", "max_quantity_per_line", "reservation_minutes")}),
        ("Repairs", {"fields": ("repair_warranty_days",)}),
        ("Audit", {"fields": ("updated_at",)}),
    )  # fmt: skip
    readonly_fields = ("offered_now", "updated_at")

    @admin.display(description="Offered at checkout now")
    def offered_now(self, obj: StoreSettings) -> str:
        offered = payment_methods_offered(enabled=obj.payment_methods)
        return ", ".join(PaymentMethod(method).label for method in offered) or "Nothing: checkout refuses every order."

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        record = store_settings_record()
        return HttpResponseRedirect(reverse("admin:core_storesettings_change", args=[record.pk]))


class ShippingZoneForm(forms.ModelForm):
    class Meta:
        model = ShippingZone
        fields = ["name", "counties", "fee"]

    def clean_counties(self):
        counties = self.cleaned_data["counties"]
        if not isinstance(counties, list) or not all(isinstance(c, str) for c in counties):
            raise forms.ValidationError('A list of county names, e.g. ["Nairobi", "Kiambu"].')
        try:
            return zone_counties_clean(counties, zone=self.instance if self.instance.pk else None)
        except ValidationError as exc:
            raise forms.ValidationError(" ".join(str(e) for e in exc.detail["counties"])) from exc


@admin.register(ShippingZone)
class ShippingZoneAdmin(admin.ModelAdmin):
    form = ShippingZoneForm
    list_display = ("name", "fee", "county_list", "updated_at")
    search_fields = ("name",)
    readonly_fields = ("created_at", "updated_at")

    @admin.display(description="counties")
    def county_list(self, zone: ShippingZone) -> str:
        return ", ".join(zone.counties)
