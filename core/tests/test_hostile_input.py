"""
The quick in-suite guard against server errors on hostile input (the schemathesis run, `make fuzz`,
goes deeper and slower).

Every operation of the OpenAPI schema gets, as an admin: broken and hostile JSON bodies; each field
of its body set to each hostile value in turn, inside a body that is otherwise valid where one is
known (`valid_bodies`), so the value reaches the services and the database; hostile values in every
query parameter; impossible ids in its path. Every path answers OPTIONS, also when its parent does
not exist, to admins and anonymous callers. Nothing may answer 5xx, and every refusal is API.md's
error envelope. Each test sends its whole batch and reports every failure at once.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from urllib.parse import quote

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.tests.factories import AddressFactory, UserFactory
from cart.tests.factories import CartFactory, CartItemFactory, CouponFactory, WishlistItemFactory
from catalog.models import Promotion, Review
from catalog.tests.factories import VariantFactory
from core.models import ShippingZone
from core.testing import authenticated_client
from orders.tests.factories import paid_order_for
from payments.models import GatewayKind, Payment
from repairs.tests.factories import repair_factory

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch")
ERROR_TYPES = {"validation_error", "client_error", "server_error"}


def nested(depth: int, leaf=1):
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


# Each is sent as raw bytes with `Content-Type: application/json`.
HOSTILE_BODIES: dict[str, bytes] = {
    "malformed": b'{"name": ',
    "a list": b"[1, 2]",
    "an empty list": b"[]",
    "null": b"null",
    "a number": b"42",
    "a string": b'"text"',
    "NaN": b'{"name": NaN}',
    "not UTF-8": b'{"name": "\xff\xfe"}',
    "nested 100 000 deep": b"[" * 100_000 + b"]" * 100_000,
    "nested 500 deep": json.dumps(nested(500)).encode(),
    "over 1 MB": json.dumps({"name": "x" * 1024 * 1024}).encode(),
}

# Each goes into one field at a time (JSON-encoded with \u escapes, so a lone surrogate travels as
# a client would send it).
HOSTILE_VALUES: dict[str, object] = {
    "huge integer": 10**30,
    "huge negative float": -1e300,
    "NUL character": "a\x00b",
    "lone surrogate": "\ud800",
    "year 1": "0001-01-01T00:00:00Z",
    "list of hostile objects": [{"id": 10**30, "sku": "\x00", "variant_id": -1e300, "line_id": 10**30}],
    "object of hostile values": {"\x00": "\ud800", "a": 10**30, "b": -1e300, "c": nested(28, leaf="\x00")},
}

HOSTILE_QUERY_VALUES: list[str] = [
    "-1e300",
    "99999999999999999999999",
    "-9223372036854775809",
    "0001-01-01",
    "9999-12-31",
    "a%00b",
    "%ED%A0%80",  # a lone surrogate, UTF-8 encoded
    "x" * 3000,
    "",
]
# Asked of every paged list whatever its schema says: pagination and ordering are shared machinery.
SHARED_QUERY: dict[str, list[str]] = {
    "page": ["999999", "0", "abc", "1e3"],
    "page_size": ["-1", "abc", "1e3"],
    "ordering": ["nope", "-id,password", "__str__", ",,,"],
}

HOSTILE_PATH_VALUES: list[str] = [
    "99999999999999999999999",
    "9223372036854775808",
    "0",
    "-1",
    "1.5",
    "%00",
    "%ED%A0%80",
    "x" * 300,
]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # with `{name}` placeholders
    query: tuple[str, ...]
    body_fields: tuple[str, ...] | None  # None: no JSON body

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


@cache
def schema_operations() -> tuple[Operation, ...]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            query = tuple(p["name"] for p in operation.get("parameters", []) if p["in"] == "query")
            content = operation.get("requestBody", {}).get("content", {})
            body_fields = None
            if "application/json" in content:
                body_fields = tuple(_properties(schema, content["application/json"]["schema"]))
            operations.append(Operation(method, path, query, body_fields))
    return tuple(operations)


def _properties(schema: dict, body_schema: dict) -> Iterator[str]:
    if "$ref" in body_schema:
        body_schema = schema["components"]["schemas"][body_schema["$ref"].rsplit("/", 1)[-1]]
    for part in body_schema.get("allOf", []) + body_schema.get("oneOf", []):
        yield from _properties(schema, part)
    yield from body_schema.get("properties", {})


@dataclass
class World:
    """One of everything, so path parameters name real rows and bodies reach the services."""

    values: dict[str, str]
    ids: dict[str, int]
    # "METHOD /path/{param}/" → a body the serializers accept (a PATCH takes any one field alone;
    # a PUT shares its serializer with a POST or PATCH here).
    valid_bodies: dict[str, dict]

    def fill(self, path: str, override: str | None = None) -> str:
        for name, value in self.values.items():
            path = path.replace("{" + name + "}", override if override is not None else value)
        if "{id}" in path:
            collection = path.split("/")[3]
            path = path.replace("{id}", override if override is not None else str(self.ids[collection]))
        assert "{" not in path, f"No value for a parameter of {path}: add it to the `world` fixture."
        return path


@pytest.fixture
def world(admin_user, customer) -> World:
    variant = VariantFactory(product__slug="hostile-phone", stock_quantity=50)
    product = variant.product
    order = paid_order_for(customer, variant)
    payment = Payment.objects.create(
        order=order, method="mpesa", gateway=GatewayKind.MPESA, amount=order.total, currency="KES", phone="254700000001"
    )
    review = Review.objects.create(product=product, user=customer, rating=5, title="Good")
    promotion = Promotion.objects.create(name="Sale", kind="percentage", value=10)
    promotion.products.set([product])
    item = CartItemFactory(cart=CartFactory(user=admin_user), variant=variant)
    WishlistItemFactory(user=admin_user, product=product)
    address = AddressFactory(user=admin_user)
    coupon = CouponFactory()
    address_body = {"full_name": "Amina W", "phone": "0712345678", "line1": "Moi Ave 1", "city": "Nairobi",
                    "county": "Nairobi"}  # fmt: skip
    coupon_body = {"code": "HOSTILE", "kind": "percentage", "value": "10"}
    product_body = {"name": "Hostile tablet", "category": product.category_id, "price": "100.00"}
    promotion_body = {"name": "Hostile sale", "kind": "fixed", "value": "5", "products": [product.pk]}
    zone_body = {"name": "Lake", "counties": ["Kisumu"], "fee": "100"}
    registration_body = {"email": "new@example.com", "password": "Tr1cky-Pass", "first_name": "A", "last_name": "B"}
    checkout_body = {"items": [{"variant_id": variant.pk, "quantity": 1}], "address_id": address.pk,
                     "payment_method": "cod"}  # fmt: skip
    valid_bodies = {
        "POST /api/v1/addresses/": address_body,
        "POST /api/v1/auth/login/": {"email": "nobody@example.com", "password": "Wrong-Pass-1"},
        "POST /api/v1/auth/register/": registration_body,
        "POST /api/v1/auth/forgot-password/": {"email": "nobody@example.com"},
        "POST /api/v1/cart/coupon/": {"code": coupon.code},
        "POST /api/v1/cart/items/": {"variant_id": variant.pk, "quantity": 1},
        "POST /api/v1/categories/": {"name": "Hostile tablets"},
        "POST /api/v1/coupons/": coupon_body,
        "POST /api/v1/inventory/adjustments/": {"variant_id": variant.pk, "delta": 1, "reason": "restock"},
        "POST /api/v1/orders/": checkout_body,
        "POST /api/v1/orders/{id}/refund/": {"amount": "1.00", "reason": "Hostile", "restock": False},
        "POST /api/v1/orders/{id}/status/": {"status": "processing"},
        "POST /api/v1/products/": product_body,
        "POST /api/v1/products/{key}/variants/": {"sku": "HOSTILE-2", "price": "1.00"},
        "POST /api/v1/promotions/": promotion_body,
        "POST /api/v1/store/shipping-zones/": zone_body,
        "POST /api/v1/wishlist/": {"product_id": product.pk},
        "POST /api/v1/wishlist/{product_id}/move-to-cart/": {"variant_id": variant.pk, "quantity": 1},
    }
    # Repairs: a completed repair of the caller's, so every repair path names a real ticket.
    repair = repair_factory(status="completed", user=admin_user, warranty_until=date.max)
    valid_bodies |= {
        "PUT /api/v1/repairs/{id}/quote/": {"lines": [{"kind": "labour", "description": "x", "unit_price": "1.00"}]},
        "POST /api/v1/repairs/{id}/decline-quote/": {"back_to_diagnosis": True},
        "POST /api/v1/repairs/{id}/warranty-claim/": {"issue_description": "Hostile"},
        "POST /api/v1/repairs/track/{code}/decline-quote/": {"back_to_diagnosis": True},
        "POST /api/v1/repairs/{id}/record-cash/": {"amount": "1.00"},
        "POST /api/v1/repairs/{id}/refund/": {"amount": "1.00", "reason": "Hostile"},
        "POST /api/v1/payments/mpesa/stk-push/": {"repair_id": repair.pk, "phone": "0712345678"},
    }
    return World(
        values={
            "key": product.slug,
            "slug": product.category.slug,
            "variant_id": str(variant.pk),
            "image_id": "1",
            "review_id": str(review.pk),
            "item_id": str(item.pk),
            "product_id": str(product.pk),
            "token": "not-a-token",
            "code": repair.tracking_code,
            "kind": "orders",  # analytics exports
        },
        ids={
            "addresses": address.pk,
            "coupons": coupon.pk,
            "orders": order.pk,
            "payments": payment.pk,
            "promotions": promotion.pk,
            "repairs": repair.pk,
            "store": ShippingZone.objects.create(name="Coast", counties=["Mombasa"], fee=500).pk,
            "users": UserFactory().pk,
        },
        valid_bodies=valid_bodies,
    )


@pytest.fixture
def hostile_admin(admin_user) -> APIClient:
    client = authenticated_client(admin_user)
    client.raise_request_exception = False
    return client


class Verdicts:
    """Every response of a batch: each 5xx, and each refusal that is not the envelope, is a failure."""

    def __init__(self):
        self.failures: list[str] = []
        self.count = 0

    def check(self, what: str, response) -> None:
        self.count += 1
        status = response.status_code
        if status >= 500:
            self.failures.append(f"{what} → {status} {response.content[:300]!r}")
        elif status >= 400 and not _is_envelope(response):
            self.failures.append(f"{what} → {status}, not the error envelope: {response.content[:300]!r}")

    def assert_none(self) -> None:
        assert self.count, "nothing was sent"
        shown = "\n".join(self.failures[:60])
        assert not self.failures, f"{len(self.failures)} of {self.count} hostile requests failed:\n{shown}"


def _is_envelope(response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return (
        isinstance(body, dict)
        and set(body) == {"type", "errors"}
        and body["type"] in ERROR_TYPES
        and bool(body["errors"])
        and all(set(error) == {"code", "detail", "attr"} for error in body["errors"])
    )


@pytest.fixture(autouse=True)
def _no_throttles(monkeypatch):
    """Throttles would answer 429 long before a batch is through, without reading the input."""
    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)


def send(client: APIClient, method: str, url: str, body: bytes | None = None):
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, data=body, content_type="application/json")


def test_broken_and_hostile_bodies_are_refused_with_the_envelope(world, hostile_admin):
    verdicts = Verdicts()
    for operation in schema_operations():
        if operation.body_fields is None:
            continue
        url = world.fill(operation.path)
        for name, body in HOSTILE_BODIES.items():
            verdicts.check(f"{operation} with {name}", send(hostile_admin, operation.method, url, body))
    verdicts.assert_none()


def test_a_hostile_value_in_any_field_never_fails(world, hostile_admin):
    verdicts = Verdicts()
    for operation in schema_operations():
        if not operation.body_fields:
            continue
        url = world.fill(operation.path)
        valid = world.valid_bodies.get(str(operation))
        if valid is None and operation.method != "patch":
            # No valid body to carry one value past the serializer: every field at once is as deep.
            for name, value in HOSTILE_VALUES.items():
                body = json.dumps(dict.fromkeys(operation.body_fields, value)).encode()
                verdicts.check(f"{operation} with every field {name}", send(hostile_admin, operation.method, url, body))
            continue
        for field in operation.body_fields:
            for name, value in HOSTILE_VALUES.items():
                body = json.dumps({**(valid or {}), field: value}).encode()
                verdicts.check(f"{operation} with {field} {name}", send(hostile_admin, operation.method, url, body))
    verdicts.assert_none()


def test_hostile_query_parameters_never_fail_a_list(world, hostile_admin):
    verdicts = Verdicts()
    for operation in schema_operations():
        if operation.method != "get":
            continue
        url = world.fill(operation.path)
        params = {name: HOSTILE_QUERY_VALUES for name in operation.query}
        if "page" in operation.query:
            params.update({name: [*params.get(name, []), *values] for name, values in SHARED_QUERY.items()})
        for name, values in params.items():
            for value in values:
                query = f"{quote(name)}={value}"
                verdicts.check(f"GET {url}?{query[:80]}", send(hostile_admin, "get", f"{url}?{query}"))
        if "date_from" in operation.query:
            query = "date_from=2026-05-01&date_to=2026-01-01"
            verdicts.check(f"GET {url}?{query}", send(hostile_admin, "get", f"{url}?{query}"))
    verdicts.assert_none()


def test_impossible_ids_in_paths_answer_a_4xx_envelope(world, hostile_admin):
    verdicts = Verdicts()
    for operation in schema_operations():
        if "{" not in operation.path:
            continue
        for value in HOSTILE_PATH_VALUES:
            url = world.fill(operation.path, override=value)
            verdicts.check(f"{operation.method.upper()} {url[:120]}", send(hostile_admin, operation.method, url))
    verdicts.assert_none()


@pytest.mark.parametrize("who", ["admin", "anonymous"])
def test_options_answers_on_every_path_even_when_its_parent_is_missing(world, hostile_admin, who):
    client = hostile_admin if who == "admin" else APIClient(raise_request_exception=False)
    verdicts = Verdicts()
    for path in dict.fromkeys(operation.path for operation in schema_operations()):
        for override in (None, "0", "no-such-thing", "99999999999999999999999"):
            url = world.fill(path, override=override)
            response = send(client, "options", url)
            verdicts.check(f"OPTIONS {url}", response)
    verdicts.assert_none()
