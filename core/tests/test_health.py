"""`GET /health`: what a load balancer or an operator sees about the app's dependencies."""

import time

import pytest
from django.test import override_settings

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def health(client, db):
    def get(path="/health"):
        return client.get(path)

    return get


def expected_broker(settings) -> str:
    return "ok" if settings.CELERY_BROKER_URL else "disabled"


@pytest.mark.parametrize("path", ["/health", "/health/"])
def test_health_answers_200_with_every_check_ok(health, settings, path):
    response = health(path)

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": expected_broker(settings)},
    }


def test_health_reports_the_broker_disabled_when_none_is_configured(health, settings):
    settings.CELERY_BROKER_URL = ""

    response = health()

    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "disabled"


def test_health_needs_no_token(health):
    response = health()

    assert response.status_code == 200


def test_health_is_not_cached_by_clients_or_proxies(health):
    response = health()

    assert "no-cache" in response["Cache-Control"]


def test_health_answers_503_when_the_broker_is_down(health, settings):
    settings.CELERY_BROKER_URL = DEAD_REDIS

    response = health()

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"
    assert response.json()["checks"]["database"] == "ok"


def test_health_answers_within_seconds_when_the_broker_is_down(health, settings):
    settings.CELERY_BROKER_URL = DEAD_REDIS

    started = time.monotonic()
    health()

    assert time.monotonic() - started < 5


@pytest.fixture
def dead_cache():
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}}
    # override_settings sends setting_changed, on which Django drops its cache connections.
    with override_settings(CACHES=caches):
        yield


def test_health_answers_503_when_the_cache_is_down(health, dead_cache):
    response = health()

    assert response.status_code == 503
    assert response.json()["status"] != "ok"
    assert response.json()["checks"]["cache"] == "error"
    assert response.json()["checks"]["database"] == "ok"


def test_health_answers_within_seconds_when_the_cache_is_down(health, dead_cache):
    started = time.monotonic()
    health()

    assert time.monotonic() - started < 5


def test_health_answers_head_for_load_balancers(db, client):
    response = client.head("/health")
    assert response.status_code == 200


def test_health_logs_which_check_failed_and_why(health, settings, caplog):
    settings.CELERY_BROKER_URL = DEAD_REDIS

    with caplog.at_level("WARNING", logger="core.health"):
        health()

    (record,) = [r for r in caplog.records if r.name == "core.health"]
    # The plain log format shows only the message: the operator must read the cause there.
    assert "broker" in record.getMessage()
    assert "Error" in record.getMessage()


def test_health_answers_503_when_the_cache_folder_cannot_be_written(health, tmp_path):
    in_the_way = tmp_path / "cache"
    in_the_way.write_text("a file where the cache folder should be")
    caches = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(in_the_way)}
    }

    with override_settings(CACHES=caches):
        response = health()

    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error"
