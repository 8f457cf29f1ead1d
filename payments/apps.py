from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    # Staff see every payment and every raw callback, and flag or clear what needs attention;
    # only the payment services change a payment's state.
    role_permissions = {
        "staff": {"payments.view_payment", "payments.change_payment", "payments.view_gatewaynotification"},
    }

    def ready(self):
        from django.core import checks

        from payments.checks import mpesa_settings

        checks.register(mpesa_settings, checks.Tags.security)
