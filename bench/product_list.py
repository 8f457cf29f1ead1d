"""
How fast is `GET /api/v1/products` on a big catalog?

Runs the list endpoint in-process (Django's test client: the whole view, serializer and
database, without a network hop) for the common storefront queries and prints, per query,
the median and 95th-percentile time and the number of SQL queries.

    createdb duka_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/duka_bench DJANGO_DEBUG=true
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/product_list.py --products 10000

Without `DATABASE_URL` it uses the SQLite file of `make run`. Missing demo products are
created first (`seed_demo --products N`).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from catalog.models import Product  # noqa: E402
from catalog.views.products import ProductViewSet  # noqa: E402

QUERIES = [
    ("first page (20)", ""),
    ("page of 100", "page_size=100"),
    ("deep page", "page=400"),
    ("category with children", "category=phones"),
    ("brand + in stock", "brand=samsung&in_stock=true"),
    ("price range, by price", "min_price=1000&max_price=30000&ordering=price"),
    ("on sale", "on_sale=true"),
    ("search one word", "search=galaxy"),
    ("search two words, prefix", "search=sams+case"),
    ("search + category", "search=battery&category=spare-parts"),
    ("newest, page 10", "ordering=-created_at&page=10"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=10_000, help="catalog size to measure (default 10000)")
    parser.add_argument("--runs", type=int, default=30, help="requests per query (default 30)")
    args = parser.parse_args()

    if Product.objects.count() < args.products:
        started = time.perf_counter()
        call_command("seed_demo", products=args.products, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"seeded to {args.products} products in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        # Fresh bulk inserts have no planner statistics until autovacuum gets to them.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    # Measure the endpoint, not the anonymous rate limit (100 requests a minute).
    ProductViewSet.throttle_classes = []
    client = Client(HTTP_HOST="localhost")
    vendor = connection.vendor
    print(f"{Product.objects.filter(is_active=True).count()} active products on {vendor}; {args.runs} runs each\n")
    print(f"{'query':<32}{'rows':>6}{'count':>8}{'SQL':>5}{'p50 ms':>9}{'p95 ms':>9}")
    for label, params in QUERIES:
        url = f"/api/v1/products?{params}"
        client.get(url)  # warm caches and connections
        queries: list[str] = []

        def count(execute, sql, *rest, queries=queries):
            queries.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(count):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        body = response.json()
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
        print(f"{label:<32}{len(body['results']):>6}{body['count']:>8}{len(queries):>5}"
              f"{statistics.median(timings):>9.1f}{p95:>9.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
