"""
Before the fuzzer starts: sign the fuzzing admin in, give them data of their own (an address, a cart
line, a wishlist entry, orders with payments), and write the pools of real path ids that
`fuzz/hooks.py` draws from, so operations are exercised past their 404.

    python fuzz/prepare.py --email ... --password ... --pools pools.json   # prints the access token

Reads FUZZ_BASE_URL and MPESA_CALLBACK_TOKEN; everything goes through the API, as a client would.
"""

import argparse
import json
import os
import sys

import requests

API = "/api/v1"
PAGE = {"page_size": 100}


class Client:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    def call(self, method: str, path: str, *, expect: tuple[int, ...] = (200,), **kwargs) -> dict | list:
        response = self.session.request(method, self.base_url + API + path, timeout=30, **kwargs)
        if response.status_code not in expect:
            sys.exit(f"prepare: {method} {path} answered {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else {}

    def results(self, path: str, **params) -> list[dict]:
        return self.call("GET", path, params={**PAGE, **params})["results"]


def sign_in(client: Client, email: str, password: str) -> str:
    body = client.call("POST", "/auth/login", json={"email": email, "password": password})
    client.session.headers["Authorization"] = f"Bearer {body['access']}"
    return body["access"]


def give_the_admin_data(client: Client) -> None:
    """What only an owner can reach: an address, cart lines, wishlist entries, orders, a paid one reviewed."""
    address = client.call(
        "POST",
        "/addresses",
        expect=(201,),
        json={
            "label": "Office",
            "full_name": "Fuzz Admin",
            "phone": "0712345678",
            "line1": "Kenyatta Avenue 1",
            "city": "Nairobi",
            "county": "Nairobi",
        },
    )
    in_stock = client.results("/products", in_stock="true")
    variants = [client.call("GET", f"/products/{product['slug']}")["variants"][0]["id"] for product in in_stock[:6]]
    for product, variant in zip(in_stock[:3], variants[:3], strict=True):
        client.call("POST", "/cart/items", expect=(201,), json={"variant_id": variant, "quantity": 1})
        client.call("POST", "/wishlist", expect=(200, 201), json={"product_id": product["id"]})
    # Placed from `items`, so the cart keeps its lines for the cart operations.
    orders = {
        method: client.call(
            "POST",
            "/orders",
            expect=(201,),
            json={
                "items": [{"variant_id": variant, "quantity": 1}],
                "address_id": address["id"],
                "payment_method": method,
                "phone": "0712345678",
            },
        )
        for method, variant in zip(["cod", "mpesa", "card"], variants[3:], strict=True)
    }
    # Paid through the simulated gateway, so the admin may review what it bought.
    payment = orders["mpesa"]["payments"][0]
    client.call("POST", f"/payments/{payment['id']}/simulate", json={"outcome": "success"})
    client.call("POST", f"/products/{in_stock[4]['slug']}/reviews", expect=(201,), json={"rating": 4, "title": "Fuzz"})


def flatten(categories: list[dict]) -> list[dict]:
    return [node for category in categories for node in [category, *flatten(category.get("children", []))]]


def pools(client: Client) -> dict[str, dict]:
    """
    Real values: `paths` maps a templated path to the path parameters of resources that exist;
    `fields` maps a body field that names a resource to ids that exist; `operation_fields` is the
    same for one operation only.
    """
    products = client.results("/products", ordering="name")
    details = [client.call("GET", f"/products/{product['slug']}") for product in products[:40]]
    reviews = [review for product in products[:40] for review in client.results(f"/products/{product['slug']}/reviews")]
    wishlist = client.results("/wishlist")
    categories = flatten(client.call("GET", "/categories"))
    orders = client.results("/orders")
    addresses = client.results("/addresses")
    variant_ids = [variant["id"] for detail in details for variant in detail["variants"]]
    anonymous_cart = requests.get(client.base_url + API + "/cart", timeout=30).json()["token"]

    def ids(path: str) -> list[dict]:
        body = client.call("GET", path, params=PAGE)
        return [{"id": row["id"]} for row in (body["results"] if isinstance(body, dict) else body)]

    paths = {
        "/addresses/{id}/": [{"id": address["id"]} for address in addresses],
        "/categories/{slug}/": [{"slug": category["slug"]} for category in categories],
        "/coupons/{id}/": ids("/coupons"),
        "/promotions/{id}/": ids("/promotions"),
        "/store/shipping-zones/{id}/": ids("/store/shipping-zones"),
        "/users/{id}/": ids("/users"),
        "/orders/{id}/": [{"id": order["id"]} for order in orders],
        "/payments/{id}/": ids("/payments"),
        "/cart/items/{item_id}/": [{"item_id": item["id"]} for item in client.call("GET", "/cart")["items"]],
        "/wishlist/{product_id}/": [{"product_id": row["product"]["id"]} for row in wishlist],
        "/products/{key}/": [{"key": product["slug"]} for product in products]
        + [{"key": str(product["id"])} for product in products],
        "/products/{key}/variants/{variant_id}/": [
            {"key": detail["slug"], "variant_id": variant["id"]} for detail in details for variant in detail["variants"]
        ],
        "/products/{key}/images/{image_id}/": [
            {"key": detail["slug"], "image_id": image["id"]} for detail in details for image in detail["images"]
        ],
        "/reviews/{review_id}/": [{"review_id": review["id"]} for review in reviews],
        "/payments/callbacks/stk/{token}/": [{"token": os.environ["MPESA_CALLBACK_TOKEN"]}],
    }
    fields = {
        "variant_id": variant_ids,
        "product_id": [product["id"] for product in products],
        "products": [product["id"] for product in products],
        "category": [category["id"] for category in categories],
        "categories": [category["id"] for category in categories],
        "parent": [category["id"] for category in categories],
        "order_id": [order["id"] for order in orders],
        "address_id": [address["id"] for address in addresses],
        "cart_token": [anonymous_cart],
    }
    coupons = [row["code"] for row in client.results("/coupons")]
    return {
        "paths": {API + path: rows for path, rows in paths.items()},
        "fields": fields,
        "operation_fields": {f"POST {API}/cart/coupon/": {"code": coupons}},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--pools", required=True, help="Where to write the pools (JSON).")
    args = parser.parse_args()

    client = Client(os.environ["FUZZ_BASE_URL"])
    token = sign_in(client, args.email, args.password)
    give_the_admin_data(client)
    found = pools(client)
    with open(args.pools, "w") as out:
        json.dump(found, out, indent=1)
    sizes = ", ".join(f"{path.removeprefix(API)} {len(rows)}" for path, rows in found["paths"].items())
    print(f"Real ids: {sizes}", file=sys.stderr)
    print(token)


if __name__ == "__main__":
    main()
