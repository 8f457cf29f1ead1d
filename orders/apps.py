from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    # Staff run orders; the status history and refunds are audit records, changed only by the services.
    role_permissions = {
        "staff": {
            "orders.view_order",
            "orders.change_order",
            "orders.view_orderline",
            "orders.view_orderstatusevent",
            "orders.view_orderrefund",
        },
    }
