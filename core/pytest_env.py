"""
pytest plugin (loaded with `-p core.pytest_env`, before pytest-django reads the settings).

Tests run with production-like settings (DEBUG off), so they need a non-development secret
key, and plain HTTP for the test client. Values already in the environment win.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-secret-key-" + "x" * 40)
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
