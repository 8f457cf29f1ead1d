"""
Full shop flow against a running server: sign in → add to cart → check out (cash on delivery) →
staff accept → staff ship. Prints flows per second and p50/p99 latency, for the whole flow and
for each step.

The server's rate limits must be raised for a load test, and the script prepares its customers
and stock straight in the database the server uses (the same DATABASE_URL):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/duka_bench REDIS_URL=redis://127.0.0.1:6379/3
    export DJANGO_DEBUG=true RATE_LIMIT_AUTH=100000/min RATE_LIMIT_USER=100000/min LOGIN_FAILURE_LIMIT=100000
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo
    .venv/bin/gunicorn config.wsgi --workers 4 --bind 127.0.0.1:8000 &
    .venv/bin/python bench/checkout_flow.py --flows 400 --concurrency 8
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")

PASSWORD = "Bench-Shopper-2026"
STAFF = ("staff@duka.local", "DukaStaff!2026")
ADDRESS = {"full_name": "Bench Shopper", "phone": "0712345678", "line1": "Moi Avenue 1", "city": "Nairobi",
           "county": "Nairobi"}  # fmt: skip


def prepare(customers: int, flows: int) -> int:
    """Bench customers and one well-stocked variant, made through the services; returns the variant's id."""
    import django

    django.setup()
    from accounts.models import User
    from catalog import inventory
    from catalog.models import Category, Product, ProductVariant

    for n in range(customers):
        email = f"bench{n}@duka.local"
        if not User.objects.filter(email=email).exists():
            User.objects.create_user(email=email, password=PASSWORD, first_name="Bench", last_name=str(n))
    category = Category.objects.first() or Category.add_root(name="Bench", slug="bench")
    product, _ = Product.objects.get_or_create(
        slug="bench-phone", defaults={"name": "Bench phone", "category": category}
    )
    variant = ProductVariant.objects.filter(sku="BENCH-1").first()
    if variant is None:
        variant = ProductVariant.objects.create(product=product, sku="BENCH-1", price="999.00", reorder_point=0)
    if variant.available < flows:
        inventory.stock_adjust(variant_id=variant.pk, delta=flows - variant.available + 10, reason="restock",
                               note="Benchmark stock")  # fmt: skip
    return variant.pk


class Api:
    def __init__(self, base_url: str):
        if not base_url.startswith(("http://", "https://")):
            raise SystemExit(f"--base-url must be an http(s) URL, not {base_url!r}")
        self.base_url = base_url.rstrip("/") + "/api/v1/"

    def call(self, method: str, path: str, body=None, token: str | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, method=method, data=data)  # noqa: S310 (http(s) only)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (checked above)
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"{method} {path} → {error.code}: {error.read()[:300]!r}") from error


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--flows", type=int, default=200, help="flows to run in all (default 200)")
    parser.add_argument("--concurrency", type=int, default=8, help="flows at once (default 8)")
    parser.add_argument("--customers", type=int, default=50, help="bench accounts to rotate through")
    parser.add_argument(
        "--sign-in-once",
        action="store_true",
        help="sign each customer in once and reuse the token: measures the shop without the deliberate cost of "
        "password hashing",
    )
    args = parser.parse_args()

    variant_id = prepare(args.customers, args.flows)
    api = Api(args.base_url)
    staff_token = api.call("POST", "auth/login", {"email": STAFF[0], "password": STAFF[1]})["access"]
    steps: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()

    def timed(name: str, action):
        started = time.perf_counter()
        result = action()
        with lock:
            steps[name].append(time.perf_counter() - started)
        return result

    tokens: dict[str, str] = {}

    def sign_in(email: str) -> str:
        if args.sign_in_once and email in tokens:
            return tokens[email]
        body = timed("sign in", lambda: api.call("POST", "auth/login", {"email": email, "password": PASSWORD}))
        tokens[email] = body["access"]
        return body["access"]

    def flow(n: int) -> float:
        started = time.perf_counter()
        token = sign_in(f"bench{n % args.customers}@duka.local")
        timed("add to cart", lambda: api.call("POST", "cart/items", {"variant_id": variant_id, "quantity": 1}, token))
        order = timed("check out", lambda: api.call(
            "POST", "orders", {"shipping_address": ADDRESS, "payment_method": "cod"}, token
        ))  # fmt: skip
        status_path = f"orders/{order['id']}/status"
        timed("staff accept", lambda: api.call("POST", status_path, {"status": "processing"}, staff_token))
        shipped = {"status": "shipped", "tracking_number": f"B{n}"}
        timed("staff ship", lambda: api.call("POST", status_path, shipped, staff_token))
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        durations = list(pool.map(flow, range(args.flows)))
    elapsed = time.perf_counter() - started

    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000

    signing = "signed in once per customer" if args.sign_in_once else "signing in every flow"
    print(f"{args.flows} flows ({signing}), {args.concurrency} at once, against {args.base_url}: "
          f"{args.flows / elapsed:.1f} flows/s ({elapsed:.1f} s)\n")  # fmt: skip
    print(f"{'step':<16}{'p50 ms':>9}{'p99 ms':>9}")
    print(f"{'whole flow':<16}{statistics.median(durations) * 1000:>9.1f}{pct(durations, 0.99):>9.1f}")
    for name, values in steps.items():
        print(f"{name:<16}{statistics.median(values) * 1000:>9.1f}{pct(values, 0.99):>9.1f}")


if __name__ == "__main__":
    main()
