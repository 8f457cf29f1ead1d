from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Store"

    # Staff run the shop's settings and delivery fees; the event log is for admins.
    role_permissions = {
        "staff": {
            "core.view_storesettings",
            "core.change_storesettings",
            *(f"core.{action}_shippingzone" for action in ("view", "add", "change", "delete")),
        },
    }
