"""
Configuration from the environment, as an operator starts the app: each test runs a real
`manage.py` in a fresh process with exactly the variables it names.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MARKER = "SETTINGS-JSON:"
# Whatever the developer's shell or CI has set must not leak into these processes.
INHERITED_OUT = {
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CACHE_DIR",
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_ALLOWED_HOSTS",
    "PYTHONWARNINGS",
}


def run(*args: str, python_args: tuple[str, ...] = (), **variables: str) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name not in INHERITED_OUT}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update(variables)
    return subprocess.run(  # noqa: S603 - the command is this interpreter and this repository's manage.py
        [sys.executable, *python_args, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production(**variables: str) -> dict[str, str]:
    return {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": secrets.token_urlsafe(64), **variables}


def loaded_settings(**variables: str) -> dict:
    """CACHES, DATABASES and the Celery settings as Django loaded them; nothing is connected to."""
    code = (
        "import json; from django.conf import settings; print("
        f"{MARKER!r} + json.dumps({{'caches': settings.CACHES, 'databases': settings.DATABASES, "
        "'broker': settings.CELERY_BROKER_URL, 'eager': settings.CELERY_TASK_ALWAYS_EAGER}, default=str))"
    )
    result = run("manage.py", "shell", "-c", code, **variables)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith(MARKER))
    return json.loads(line.removeprefix(MARKER))


def test_production_refuses_to_start_without_a_secret_key():
    result = run("manage.py", "check", DJANGO_DEBUG="false")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_the_development_secret_key():
    from django.conf import settings

    result = run("manage.py", "check", DJANGO_DEBUG="false", DJANGO_SECRET_KEY=settings.DEVELOPMENT_SECRET_KEY)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_mode_starts_with_the_development_secret_key():
    result = run("manage.py", "check", DJANGO_DEBUG="true")

    assert result.returncode == 0, result.stderr


def test_production_settings_pass_the_deployment_checklist():
    variables = production(DJANGO_SECURE_SSL_REDIRECT="true", DJANGO_ALLOWED_HOSTS="shop.example.com")

    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", **variables)

    assert result.returncode == 0, result.stdout + result.stderr


def test_redis_url_selects_the_redis_cache():
    loaded = loaded_settings(**production(REDIS_URL="redis://127.0.0.1:6379/3"))

    cache = loaded["caches"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://127.0.0.1:6379/3"


def test_redis_url_is_also_the_celery_broker():
    loaded = loaded_settings(**production(REDIS_URL="redis://127.0.0.1:6379/3"))

    assert loaded["broker"] == "redis://127.0.0.1:6379/3"
    assert loaded["eager"] is False


def test_celery_broker_url_overrides_redis_url_for_the_broker():
    loaded = loaded_settings(
        **production(REDIS_URL="redis://127.0.0.1:6379/3", CELERY_BROKER_URL="amqp://guest@rabbit:5672//")
    )

    assert loaded["broker"] == "amqp://guest@rabbit:5672//"
    assert loaded["caches"]["default"]["LOCATION"] == "redis://127.0.0.1:6379/3"


def test_without_redis_url_the_cache_is_a_folder_every_process_shares_and_tasks_run_inline():
    loaded = loaded_settings(**production())

    cache = loaded["caches"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert Path(cache["LOCATION"]) == REPO / "var" / "cache"
    assert loaded["broker"] == ""
    assert loaded["eager"] is True


def test_cache_dir_moves_the_shared_cache_folder(tmp_path):
    loaded = loaded_settings(**production(CACHE_DIR=str(tmp_path / "duka-cache")))

    assert loaded["caches"]["default"]["LOCATION"] == str(tmp_path / "duka-cache")


def test_database_url_selects_postgresql():
    loaded = loaded_settings(**production(DATABASE_URL="postgres://u:p@db:5432/duka"))

    database = loaded["databases"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db", 5432, "duka")
    assert (database["USER"], database["PASSWORD"]) == ("u", "p")


def test_without_database_url_the_database_is_sqlite_in_the_repository():
    loaded = loaded_settings(**production())

    database = loaded["databases"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(database["NAME"]) == REPO / "db.sqlite3"


@pytest.mark.skipif((REPO / "staticfiles").exists(), reason="collectstatic has run: nothing to warn about")
def test_wsgi_app_starts_without_warnings_before_collectstatic():
    result = run("-c", "import config.wsgi", python_args=("-W", "default"), **production())

    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr
