from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts import services
from accounts.models import Address, LoginActivity, PasswordResetOTP, User
from accounts.roles import apply_role_access
from core.admin import ReadOnlyAdmin


class UserAdminCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "role")

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError("An account with this email already exists.")
        return email


class UserAdminChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class AddressInline(admin.StackedInline):
    model = Address
    extra = 0
    fields = (
        ("label", "is_default"),
        ("full_name", "phone"),
        ("line1", "line2"),
        ("city", "county"),
        ("postal_code", "country"),
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    model = User
    ordering = ("-date_joined",)
    list_display = (
        "email",
        "full_name",
        "phone",
        "role",
        "is_active",
        "is_email_verified",
        "orders_count",
        "total_spent",
        "date_joined",
        "last_login",
    )
    list_filter = ("role", "is_active", "is_email_verified", "date_joined")
    search_fields = ("email", "first_name", "last_name", "phone")
    readonly_fields = (
        "date_joined", "last_login", "email_verified_at", "orders_count", "total_spent", "is_staff", "is_superuser",
        "sign_in_history",
    )  # fmt: skip
    inlines = [AddressInline]
    actions = ["deactivate_and_sign_out", "activate", "mark_email_verified", "resend_verification_email"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("first_name", "last_name", "phone", "preferences")}),
        ("Role and access", {"fields": ("role", "is_active", "is_staff", "is_superuser")}),
        ("Email", {"fields": ("is_email_verified", "email_verified_at")}),
        ("Customer totals", {"fields": ("orders_count", "total_spent")}),
        ("Dates", {"fields": ("date_joined", "last_login", "sign_in_history")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "first_name", "last_name", "role", "password1", "password2")},
        ),
    )
    filter_horizontal = ()

    @admin.display(description="sign-in history")
    def sign_in_history(self, obj: User) -> str:
        if not obj.pk:
            return "-"
        url = reverse("admin:accounts_loginactivity_changelist") + f"?user__id__exact={obj.pk}"
        return format_html('<a href="{}">Every sign-in attempt of this account</a>', url)

    @admin.display(description="name")
    def full_name(self, obj: User) -> str:
        return f"{obj.first_name} {obj.last_name}".strip()

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # Only an admin hands out roles; staff may look but not promote anyone.
        if not request.user.is_superuser and getattr(request.user, "role", None) != "admin":
            readonly += ["role", "is_active"]
        return readonly

    def save_model(self, request, obj, form, change):
        obj.email = User.objects.normalize_email(obj.email)
        super().save_model(request, obj, form, change)
        if not change or "role" in form.changed_data:
            apply_role_access(obj)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.refresh_tokens_revoke_all(user=obj)

    @admin.action(description="Deactivate and sign out everywhere", permissions=["change"])
    def deactivate_and_sign_out(self, request, queryset):
        count = 0
        for user in queryset.exclude(pk=request.user.pk):
            services.user_admin_update(actor=request.user, user=user, is_active=False)
            count += 1
        self.message_user(request, f"{count} account(s) deactivated and signed out.", messages.SUCCESS)

    @admin.action(description="Activate", permissions=["change"])
    def activate(self, request, queryset):
        updated = queryset.update(is_active=True)
        self.message_user(request, f"{updated} account(s) activated.", messages.SUCCESS)

    @admin.action(description="Mark email as verified", permissions=["change"])
    def mark_email_verified(self, request, queryset):
        updated = queryset.filter(is_email_verified=False).update(
            is_email_verified=True, email_verified_at=timezone.now()
        )
        self.message_user(request, f"{updated} address(es) marked verified.", messages.SUCCESS)

    @admin.action(description="Resend the verification email", permissions=["change"])
    def resend_verification_email(self, request, queryset):
        users = list(queryset.filter(is_email_verified=False, is_active=True))
        for user in users:
            services.email_verification_send(user=user)
        self.message_user(request, f"Verification email sent to {len(users)} account(s).", messages.SUCCESS)


@admin.register(LoginActivity)
class LoginActivityAdmin(ReadOnlyAdmin):
    list_display = ("at", "email", "user", "success", "ip", "user_agent")
    list_filter = ("success", "at")
    search_fields = ("email", "ip", "user__email")
    date_hierarchy = "at"
    list_select_related = ("user",)


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("user", "label", "full_name", "phone", "city", "county", "country", "is_default")
    list_filter = ("country", "county", "is_default")
    search_fields = ("user__email", "full_name", "phone", "line1", "city")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(PasswordResetOTP)
class PasswordResetOTPAdmin(ReadOnlyAdmin):
    list_display = ("user", "created_at", "expires_at", "attempts", "used_at")
    search_fields = ("user__email",)
    exclude = ("code_hash",)
    list_select_related = ("user",)
