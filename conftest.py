"""
Test-wide setup. Tests run with production-like settings (DEBUG off) on whatever database and
cache the environment names: SQLite and local memory by default, PostgreSQL and Redis in CI.
The environment for tests is set by the `core.pytest_env` plugin (see pyproject.toml).
"""

import pytest


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


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` prove behaviour under real concurrency; SQLite cannot show it."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
