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
