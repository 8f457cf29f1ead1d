"""
Cart and wishlist endpoints: parse, call a service, answer the whole cart.

Every cart endpoint finds the caller's cart through `request_cart`. A change that fails (bad
quantity, no stock, a refused coupon) runs in one transaction with finding the cart, so a cart
created for that request is not left behind.
"""

import uuid

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ErrorDetail, NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from cart import selectors, services
from cart.exceptions import InvalidCartToken
from cart.models import Cart, CartItem, WishlistItem
from cart.serializers import (
    CartCouponApplySerializer,
    CartItemAddSerializer,
    CartItemUpdateSerializer,
    CartMergeSerializer,
    CartSerializer,
    WishlistAddSerializer,
    WishlistItemSerializer,
    WishlistMoveSerializer,
)
from catalog.pricing import active_promotions_for, product_sellable
from core.openapi import conflict
from core.store import store_config_for

CART_TOKEN = OpenApiParameter(
    "X-Cart-Token",
    OpenApiTypes.UUID,
    OpenApiParameter.HEADER,
    required=False,
    description="Without an account: the `token` of an earlier cart response. Left out, or naming no "
    "cart (e.g. expired), a new empty cart is made and its token returned. Ignored when signed in.",
)
ITEM_ID = OpenApiParameter("item_id", int, OpenApiParameter.PATH, description="The cart line's `id`.")
PRODUCT_ID = OpenApiParameter("product_id", int, OpenApiParameter.PATH, description="The product's id.")
OUT_OF_STOCK = conflict("`out_of_stock`: more than is available, or the item is no longer sold.")
# A malformed header is the longest legal UUID spelling ("urn:uuid:{...}") or shorter.
MAX_TOKEN_LENGTH = 50


def _cart_token(request) -> uuid.UUID | None:
    raw = request.headers.get("X-Cart-Token", "").strip()
    if not raw:
        return None
    if len(raw) > MAX_TOKEN_LENGTH:
        raise InvalidCartToken()
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise InvalidCartToken() from None


def request_cart(request) -> Cart:
    """
    The caller's cart, the one rule for every cart endpoint: a signed-in user's own cart (their
    `X-Cart-Token` is ignored: merging is explicit), else the anonymous cart of the header's
    token, else a new anonymous cart.
    """
    if request.user.is_authenticated:
        return services.cart_for_user(user=request.user)
    return services.cart_for_token(token=_cart_token(request))


def _validated(serializer_class, request, **context) -> dict:
    serializer = serializer_class(data=request.data, context={"request": request, **context})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _shopper(request):
    return request.user if request.user.is_authenticated else None


def _pricing(request) -> dict:
    return {"promotions": active_promotions_for(request), "store": store_config_for(request)}


def cart_response(request, cart: Cart, status_code: int = status.HTTP_200_OK) -> Response:
    summary = services.cart_review(cart=cart, user=_shopper(request), **_pricing(request))
    return Response(CartSerializer(summary, context={"request": request}).data, status=status_code)


class _CartEndpoint(APIView):
    permission_classes = [AllowAny]


class CartView(_CartEndpoint):
    @extend_schema(
        tags=["cart"],
        summary="The caller's cart (created when there is none)",
        description="Lines priced now, totals, and `warnings` for lines whose price changed or whose stock "
        "fell below the quantity, and for a coupon that stopped applying (it is removed).",
        parameters=[CART_TOKEN],
        responses={200: CartSerializer},
    )
    def get(self, request):
        return cart_response(request, request_cart(request))

    @extend_schema(
        tags=["cart"],
        summary="Empty the cart: every line and the coupon",
        parameters=[CART_TOKEN],
        request=None,
        responses={200: CartSerializer},
    )
    def delete(self, request):
        cart = request_cart(request)
        services.cart_clear(cart=cart)
        return cart_response(request, cart)


class CartItemListView(_CartEndpoint):
    @extend_schema(
        tags=["cart"],
        summary="Add an item",
        description="Adding a variant already in the cart adds to its line. The resulting quantity above the "
        "per-line limit → 400 `quantity_limit`; above what is available → 409 `out_of_stock`. "
        "`product_id` only for a product with one variant (else 400 `variant_required`).",
        parameters=[CART_TOKEN],
        request=CartItemAddSerializer,
        responses={201: CartSerializer, 409: OUT_OF_STOCK},
    )
    def post(self, request):
        data = _validated(CartItemAddSerializer, request)
        with transaction.atomic():
            cart = request_cart(request)
            services.cart_add_item(cart=cart, variant=data["variant"], quantity=data["quantity"], **_pricing(request))
        return cart_response(request, cart, status.HTTP_201_CREATED)


class CartItemDetailView(_CartEndpoint):
    def _item(self, cart: Cart, item_id: str) -> CartItem:
        try:
            return selectors.cart_item_of(cart=cart, item_id=int(item_id))
        except CartItem.DoesNotExist:
            raise NotFound("Your cart has no such line.") from None

    @extend_schema(
        tags=["cart"],
        summary="Set a line's quantity (0 removes it)",
        description="The same limits as adding. Setting a quantity also accepts the line's current price "
        "(its `price_changed` warning goes).",
        parameters=[CART_TOKEN, ITEM_ID],
        request=CartItemUpdateSerializer,
        responses={200: CartSerializer, 409: OUT_OF_STOCK},
    )
    def patch(self, request, item_id: str):
        quantity = _validated(CartItemUpdateSerializer, request)["quantity"]
        with transaction.atomic():
            cart = request_cart(request)
            item = self._item(cart, item_id)
            try:
                services.cart_set_quantity(cart=cart, item=item, quantity=quantity, **_pricing(request))
            except CartItem.DoesNotExist:
                raise NotFound("Your cart has no such line.") from None
        return cart_response(request, cart)

    @extend_schema(
        tags=["cart"],
        summary="Remove a line",
        parameters=[CART_TOKEN, ITEM_ID],
        request=None,
        responses={200: CartSerializer},
    )
    def delete(self, request, item_id: str):
        with transaction.atomic():
            cart = request_cart(request)
            services.cart_remove_item(cart=cart, item=self._item(cart, item_id))
        return cart_response(request, cart)


class CartMergeView(APIView):
    @extend_schema(
        tags=["cart"],
        summary="Move an anonymous cart into the signed-in user's cart",
        description="Quantities of the same variant add up, capped by what is available and the per-line limit "
        "(a line capped to nothing is dropped); the anonymous cart's coupon is kept when the user's cart has "
        "none; the anonymous cart is deleted. The user's own cart token changes nothing.",
        request=CartMergeSerializer,
        responses={200: CartSerializer},
    )
    def post(self, request):
        token = _validated(CartMergeSerializer, request)["cart_token"]
        cart = services.cart_for_user(user=request.user)
        if token != cart.token:
            anonymous = selectors.cart_by_token(token=token)
            if anonymous is None or anonymous.user_id is not None:
                # The same answer for a user's cart as for none: never confirm another user's token.
                message = "No anonymous cart has this token."
                raise ValidationError({"cart_token": [ErrorDetail(message, code="does_not_exist")]})
            cart = services.cart_merge(cart=cart, anonymous_cart=anonymous, store=store_config_for(request))
        return cart_response(request, cart)


class CartCouponView(_CartEndpoint):
    @extend_schema(
        tags=["cart"],
        summary="Apply a coupon",
        description="400 `coupon_invalid` (unknown, inactive, used up, subtotal under its minimum) or "
        "`coupon_expired`, on `code`. Replaces a coupon already applied.",
        parameters=[CART_TOKEN],
        request=CartCouponApplySerializer,
        responses={200: CartSerializer},
    )
    def post(self, request):
        code = _validated(CartCouponApplySerializer, request)["code"]
        with transaction.atomic():
            cart = request_cart(request)
            services.cart_apply_coupon(
                cart=cart, code=code, user=_shopper(request), promotions=active_promotions_for(request)
            )
        return cart_response(request, cart)

    @extend_schema(
        tags=["cart"],
        summary="Remove the coupon",
        parameters=[CART_TOKEN],
        request=None,
        responses={200: CartSerializer},
    )
    def delete(self, request):
        cart = request_cart(request)
        services.cart_remove_coupon(cart=cart)
        return cart_response(request, cart)


# --- Wishlist ---------------------------------------------------------------------------------------


class WishlistView(generics.ListCreateAPIView):
    serializer_class = WishlistItemSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.wishlist_list(user=self.request.user)

    @extend_schema(tags=["wishlist"], summary="The signed-in user's wishlist, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["wishlist"],
        summary="Keep a product on the wishlist",
        description="201 with the new row; a product already there → 200 with its row.",
        request=WishlistAddSerializer,
        responses={201: WishlistItemSerializer, 200: WishlistItemSerializer},
    )
    def post(self, request, *args, **kwargs):
        product = _validated(WishlistAddSerializer, request)["product_id"]
        row, created = services.wishlist_add(user=request.user, product=product)
        body = self.get_serializer(self.get_queryset().get(pk=row.pk)).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _wishlist_row(request, product_id: str) -> WishlistItem:
    try:
        return selectors.wishlist_item_of(user=request.user, product_id=int(product_id))
    except WishlistItem.DoesNotExist:
        raise NotFound("This product is not on your wishlist.") from None


class WishlistItemView(APIView):
    @extend_schema(
        tags=["wishlist"],
        summary="Take a product off the wishlist",
        parameters=[PRODUCT_ID],
        request=None,
        responses={204: OpenApiResponse(description="Removed.")},
    )
    def delete(self, request, product_id: str):
        if not services.wishlist_remove(user=request.user, product_id=int(product_id)):
            raise NotFound("This product is not on your wishlist.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class WishlistMoveToCartView(APIView):
    @extend_schema(
        tags=["wishlist"],
        summary="Move a wished-for product into the cart",
        description="Added under the rules of `POST cart/items` (`variant_id` may be left out for a product with "
        "one variant; `quantity` defaults to 1), then taken off the wishlist. Refused → the row stays.",
        parameters=[PRODUCT_ID],
        request=WishlistMoveSerializer,
        responses={201: CartSerializer, 409: OUT_OF_STOCK},
    )
    def post(self, request, product_id: str):
        row = _wishlist_row(request, product_id)
        if not product_sellable(row.product):
            message = "This product is no longer sold."
            raise ValidationError({"product_id": [ErrorDetail(message, code="does_not_exist")]})
        data = _validated(WishlistMoveSerializer, request, product=row.product)
        with transaction.atomic():
            cart = request_cart(request)
            services.wishlist_move_to_cart(
                user=request.user, cart=cart, wishlist_item=row, variant=data["variant"], quantity=data["quantity"],
                **_pricing(request),
            )  # fmt: skip
        return cart_response(request, cart, status.HTTP_201_CREATED)
