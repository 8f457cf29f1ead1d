"""
Test-wide setup. Tests run with production-like settings (DEBUG off) on whatever database and
cache the environment names: SQLite and a file cache of their own by default, PostgreSQL and Redis in CI.
The environment for tests is set by the `core.pytest_env` plugin (see pyproject.toml).
"""

import pytest

# Every API answer a test receives is checked against the OpenAPI schema (core/pytest_schema.py).
pytest_plugins = ["core.pytest_schema"]


@pytest.fixture(autouse=True)
def _clean_cache():
    """Throttle counters and cached values must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _tasks_run_inline():
    """Run Celery tasks in the test process even when a broker is configured (CI sets REDIS_URL)."""
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's deliberate slowness protects stored passwords, not test data; MD5 keeps tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _payments_simulated(settings):
    """
    Every payment method can be taken, as in development (`make run`): checkout refuses a method
    no gateway can take, and most tests are not about that. Tests of it turn the simulator off.
    """
    settings.PAYMENTS_SIMULATION = True


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` prove behaviour under real concurrency; SQLite cannot show it."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


# --- Users and API clients shared by every app's tests ------------------------------------------


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def customer(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(email="wanjiku@example.com", first_name="Wanjiku", last_name="Kariuki")


@pytest.fixture
def customer_api(customer):
    from core.testing import authenticated_client

    return authenticated_client(customer)


@pytest.fixture
def admin_user(db):
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    return UserFactory(email="boss@example.com", role=Role.ADMIN)


@pytest.fixture
def admin_api(admin_user):
    from core.testing import authenticated_client

    return authenticated_client(admin_user)


@pytest.fixture
def staff_user(db):
    from accounts.models import Role
    from accounts.tests.factories import UserFactory

    return UserFactory(email="clerk@example.com", role=Role.STAFF)


@pytest.fixture
def staff_api(staff_user):
    from core.testing import authenticated_client

    return authenticated_client(staff_user)
