from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "cart"
    verbose_name = "Carts and wishlists"

    # Staff look at carts (support, abandoned-cart analytics); shoppers change them through the API.
    role_permissions = {
        "staff": {"cart.view_cart", "cart.view_cartitem", "cart.view_wishlistitem"},
    }
