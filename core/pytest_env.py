"""
pytest plugin (loaded with `-p core.pytest_env`, before pytest-django reads the settings).

Tests run with production-like settings (DEBUG off), so they need a non-development secret
key, and plain HTTP for the test client. Values already in the environment win.

Without REDIS_URL the cache is a folder of files (settings.CACHES). Each test process gets a
fresh one of its own, whatever CACHE_DIR says: the suite clears the cache around every test, which
must wipe neither a developer's running server's cache (`var/cache`) nor the entries of another
pytest-xdist worker (each worker is its own process and loads this plugin itself).
"""

import os
import shutil
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")

CACHE_DIR = tempfile.mkdtemp(prefix=f"duka-test-cache-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-")
os.environ["CACHE_DIR"] = CACHE_DIR


def pytest_unconfigure(config):
    shutil.rmtree(CACHE_DIR, ignore_errors=True)
