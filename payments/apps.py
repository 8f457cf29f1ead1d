from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    # Staff see every payment and every raw callback, and flag or clear what needs attention;
    # only the payment services change a payment's state.
    role_permissions = {
        "staff": {"payments.view_payment", "payments.change_payment", "payments.view_gatewaynotification"},
    }
