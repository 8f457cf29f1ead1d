"""Dependency probes for `GET /health`: each returns "ok", "disabled", or raises."""

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from kombu import Connection

logger = logging.getLogger(__name__)

PROBE_TIMEOUT_SECONDS = 2


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    key, value = f"health:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the cache did not return what was stored")
    finally:
        cache.delete(key)
    return "ok"


def check_broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "disabled"
    with Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=PROBE_TIMEOUT_SECONDS,
        transport_options={"socket_timeout": PROBE_TIMEOUT_SECONDS, "max_retries": 0},
    ) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=PROBE_TIMEOUT_SECONDS)
    return "ok"


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def run_checks() -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    healthy = True
    for name, probe in CHECKS.items():
        try:
            results[name] = probe()
        except Exception as exc:  # a probe reports any failure of its dependency, whatever its kind
            # In the message too: the plain log format shows no `extra`, and the operator needs the cause
            # (e.g. a broker transport that cannot be imported).
            logger.warning("health check %s failed: %r", name, exc, extra={"check": name, "error": repr(exc)})
            results[name] = "error"
            healthy = False
    return healthy, results
