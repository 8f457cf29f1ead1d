"""Helpers shared by every app's tests (factories live in each app's tests/factories.py)."""

import threading

from django.db import connection
from rest_framework.test import APIClient


def error_codes(response) -> list[str]:
    """The `errors[].code` values of an API.md error envelope."""
    body = response.json()
    assert set(body) == {"type", "errors"}, f"not the error envelope: {body}"
    return [error["code"] for error in body["errors"]]


def error_attrs(response) -> list[str | None]:
    return [error["attr"] for error in response.json()["errors"]]


def authenticated_client(user) -> APIClient:
    """An API client carrying a real JWT access token for `user`, as a frontend would."""
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def run_at_once(actions) -> list:
    """
    Run each callable in its own thread, all released together by a barrier, each on its own
    database connection (closed after), as concurrent requests would be. Returns what each one
    returned, or the exception it raised: a deadlock or a lost race must show in the assertion.
    """
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = actions[index]()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def outcomes_at_once(actions) -> list[str]:
    """`run_at_once`, each result named: "ok", or the class name of the exception raised."""
    return ["ok" if not isinstance(result, Exception) else type(result).__name__ for result in run_at_once(actions)]
