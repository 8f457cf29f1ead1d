"""
Two server processes, one store: without Redis, what one process changes or counts, the other sees.

Each test talks over real HTTP to two gunicorn servers (one worker each, on two ports), started
from this repository as an operator would start them without REDIS_URL: they share one SQLite file
and one cache folder, and nothing else. The scenario is the no-Redis configuration whatever the
suite itself runs on, so the servers get their own temporary database file and cache folder (and
REDIS_URL, CELERY_BROKER_URL and DATABASE_URL are dropped from their environment); the test is the
same in the SQLite and the PostgreSQL + Redis CI runs.

Requests leave from different loopback addresses (127.0.0.x) where a test needs a client of its own:
throttles and lockouts are counted per client address.
"""

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FAILURE_LIMIT = 3
AUTH_RATE = 6  # per minute, per client address
ADMIN = ("admin@shop.test", "Shared-Admin!2026")
START_SECONDS = 60

# Neither the suite's database and cache nor a developer's settings may reach the servers.
INHERITED_OUT = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CACHE_DIR", "CACHE_KEY_PREFIX", "PYTHONWARNINGS"}


@dataclass
class Answer:
    status: int
    body: dict | list | None
    headers: dict[str, str]

    @property
    def error_code(self) -> str | None:
        return self.body["errors"][0]["code"] if isinstance(self.body, dict) and self.body.get("errors") else None


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path

    def call(
        self, method: str, path: str, body=None, *, token: str | None = None, client: str = "127.0.0.1", **headers
    ) -> Answer:
        """One request from loopback address `client` (the address throttles and lockouts count)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(client, 0))
        sent = {"Content-Type": "application/json", **{k.replace("_", "-"): v for k, v in headers.items()}}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        try:
            connection.request(method, path, body=None if body is None else json.dumps(body), headers=sent)
            response = connection.getresponse()
            raw = response.read()
            payload = json.loads(raw) if raw and "json" in (response.getheader("Content-Type") or "") else None
            return Answer(response.status, payload, {k.lower(): v for k, v in response.getheaders()})
        finally:
            connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(  # noqa: S603 - this interpreter and this repository's manage.py
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr


def start_server(env: dict[str, str], folder: Path, name: str) -> Server:
    port = free_port()
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - gunicorn from this interpreter's environment
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Server(port=port, process=process, log=log)


def wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"gunicorn on port {server.port} exited:\n{server.log.read_text()}")
        try:
            if server.call("GET", "/health").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn on port {server.port} was not healthy after {START_SECONDS} s:\n{server.log.read_text()}")


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two-servers")
    env = {name: value for name, value in os.environ.items() if name not in INHERITED_OUT}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        CACHE_DIR=str(folder / "cache"),
        MEDIA_ROOT=str(folder / "media"),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOGIN_FAILURE_LIMIT=str(FAILURE_LIMIT),
        RATE_LIMIT_AUTH=f"{AUTH_RATE}/min",
        RATE_LIMIT_ANON="1000/min",
        RATE_LIMIT_USER="1000/min",
        DJANGO_SUPERUSER_EMAIL=ADMIN[0],
        DJANGO_SUPERUSER_PASSWORD=ADMIN[1],
    )
    manage(env, "migrate", "--noinput")
    manage(env, "createsuperuser", "--noinput")
    pair = [start_server(env, folder, "one"), start_server(env, folder, "two")]
    try:
        for server in pair:
            wait_until_healthy(server)
        yield pair
    finally:
        for server in pair:
            stop(server)


def sign_in(server: Server, email: str, password: str) -> str:
    answer = server.call("POST", "/api/v1/auth/login", {"email": email, "password": password})
    assert answer.status == 200, answer.body
    return answer.body["access"]


@pytest.fixture(scope="module")
def admin_token(servers):
    return sign_in(servers[0], *ADMIN)


@pytest.fixture(scope="module")
def variant_id(servers, admin_token):
    """A product in stock, added by the admin through the API."""
    one = servers[0]
    category = one.call("POST", "/api/v1/categories", {"name": "Phones"}, token=admin_token)
    assert category.status == 201, category.body
    product = one.call(
        "POST",
        "/api/v1/products",
        {"name": "Tecno Spark", "category": category.body["id"], "sku": "SPARK-1", "price": "2000.00",
         "stock_quantity": 50},
        token=admin_token,
    )  # fmt: skip
    assert product.status == 201, product.body
    return product.body["variants"][0]["id"]


def register(server: Server, email: str) -> str:
    password = "Shopper-Pass!2026"
    answer = server.call(
        "POST", "/api/v1/auth/register", {"email": email, "password": password, "first_name": "A", "last_name": "B"}
    )
    assert answer.status == 201, answer.body
    return password


def test_a_store_settings_change_through_one_server_prices_carts_on_the_other_at_once(servers, admin_token, variant_id):
    one, two = servers
    cart = two.call("POST", "/api/v1/cart/items", {"variant_id": variant_id, "quantity": 1})
    assert cart.status == 201, cart.body
    cart_token = cart.body["token"]
    before = one.call("GET", "/api/v1/cart", X_Cart_Token=cart_token)
    assert before.body["shipping_fee"] == cart.body["shipping_fee"]  # both servers now hold the settings
    new_fee = str(Decimal(before.body["shipping_fee"]) + 150)

    changed = one.call("PATCH", "/api/v1/store/settings", {"shipping_flat_fee": new_fee}, token=admin_token)
    assert changed.status == 200, changed.body

    assert two.call("GET", "/api/v1/store/settings").body["shipping_flat_fee"] == new_fee
    assert two.call("GET", "/api/v1/cart", X_Cart_Token=cart_token).body["shipping_fee"] == new_fee
    assert one.call("GET", "/api/v1/cart", X_Cart_Token=cart_token).body["shipping_fee"] == new_fee


def test_a_new_shipping_zone_through_one_server_prices_carts_on_the_other_at_once(servers, admin_token, variant_id):
    one, two = servers
    password = register(one, "otieno@shop.test")
    customer = sign_in(one, "otieno@shop.test", password)
    address = {"full_name": "Otieno O", "phone": "0712345678", "line1": "Oginga Odinga St", "city": "Kisumu",
               "county": "Kisumu"}  # fmt: skip
    assert one.call("POST", "/api/v1/addresses", address, token=customer).status == 201
    assert (
        one.call("POST", "/api/v1/cart/items", {"variant_id": variant_id, "quantity": 1}, token=customer).status == 201
    )
    flat_fee = one.call("GET", "/api/v1/store/settings").body["shipping_flat_fee"]
    assert one.call("GET", "/api/v1/cart", token=customer).body["shipping_fee"] == flat_fee

    zone = two.call(
        "POST", "/api/v1/store/shipping-zones", {"name": "Lakeside", "counties": ["Kisumu"], "fee": "120.00"},
        token=admin_token,
    )  # fmt: skip
    assert zone.status == 201, zone.body

    assert [z["name"] for z in one.call("GET", "/api/v1/store/shipping-zones").body] == ["Lakeside"]
    assert one.call("GET", "/api/v1/cart", token=customer).body["shipping_fee"] == "120.00"


def test_failed_sign_ins_alternated_between_the_servers_lock_out_on_both(servers):
    one, two = servers
    password = register(one, "wanjiru@shop.test")
    client = "127.0.0.2"
    wrong = {"email": "wanjiru@shop.test", "password": "not-the-password"}

    statuses = [(one, two)[i % 2].call("POST", "/api/v1/auth/login", wrong, client=client).status
                for i in range(FAILURE_LIMIT)]  # fmt: skip
    assert statuses == [401] * FAILURE_LIMIT

    right = {"email": "wanjiru@shop.test", "password": password}
    for server in (one, two):
        answer = server.call("POST", "/api/v1/auth/login", right, client=client)
        assert (answer.status, answer.error_code) == (429, "account_locked")
        assert int(answer.headers["retry-after"]) > 0
    # The pair (email, address) is locked, not the email: the customer elsewhere still signs in.
    assert two.call("POST", "/api/v1/auth/login", right, client="127.0.0.3").status == 200


def test_the_auth_throttle_counts_requests_to_both_servers(servers):
    one, two = servers
    client = "127.0.0.4"
    # A new email each time, so no lockout (counted per email and address) comes first.
    unknown = [{"email": f"nobody{n}@shop.test", "password": "whatever-it-is"} for n in range(AUTH_RATE + 3)]

    allowed = [(one, two)[n % 2].call("POST", "/api/v1/auth/login", unknown[n], client=client).status
               for n in range(AUTH_RATE)]  # fmt: skip
    assert allowed == [401] * AUTH_RATE

    for n, server in enumerate((one, two), start=AUTH_RATE):
        answer = server.call("POST", "/api/v1/auth/login", unknown[n], client=client)
        assert (answer.status, answer.error_code) == (429, "throttled")
        assert int(answer.headers["retry-after"]) > 0
    # Another address has its own allowance.
    assert one.call("POST", "/api/v1/auth/login", unknown[-1], client="127.0.0.5").status == 401
