from django.apps import AppConfig

_MODELS = ("category", "product", "productvariant", "productimage", "tag", "promotion", "coupon")


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog and inventory"

    # Staff run the catalog and the stockroom; audit records (movements, price history) are read-only.
    role_permissions = {
        "staff": {
            *(f"catalog.{action}_{model}" for model in _MODELS for action in ("view", "add", "change", "delete")),
            "catalog.view_stockmovement",
            "catalog.view_pricehistory",
            "catalog.view_review",
            "catalog.change_review",
        },
    }
