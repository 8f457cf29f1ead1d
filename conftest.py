"""
Test-wide setup. Tests run with production-like settings (DEBUG off) on whatever database and
cache the environment names: SQLite and local memory by default, PostgreSQL and Redis in CI.
"""

import os

# Before Django reads its settings: a non-development key so DEBUG-off settings load,
# and plain HTTP for the test client.
os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")

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
