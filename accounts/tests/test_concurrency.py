"""
Races a shop meets in practice, run with real threads on PostgreSQL: a double-clicked
"Create account" and two devices choosing a default address at the same moment.
"""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import Address, User
from accounts.tests.factories import AddressFactory, UserFactory
from core.testing import authenticated_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def run_at_once(action, count: int = THREADS) -> list:
    """Start `count` threads that call `action(i)` together; return their results in order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = action(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_simultaneous_registrations_of_one_email_create_exactly_one_account():
    def register(index: int) -> int:
        response = APIClient().post(
            "/api/v1/auth/register",
            {"email": "Same.Person@example.com", "password": "Tr1cky-Passphrase", "first_name": "A", "last_name": "B"},
            REMOTE_ADDR=f"10.1.0.{index + 1}",
        )
        return response.status_code

    statuses = run_at_once(register)

    assert sorted(statuses) == [201] + [400] * (THREADS - 1)
    assert User.objects.filter(email="same.person@example.com").count() == 1


def test_simultaneous_default_choices_leave_exactly_one_default_address():
    user = UserFactory()
    addresses = [AddressFactory(user=user) for _ in range(THREADS)]

    def make_default(index: int) -> int:
        client = authenticated_client(user)
        return client.patch(f"/api/v1/addresses/{addresses[index].pk}", {"is_default": True}).status_code

    statuses = run_at_once(make_default)

    assert statuses == [200] * THREADS
    assert Address.objects.filter(user=user, is_default=True).count() == 1


def test_simultaneous_first_addresses_give_the_user_one_default():
    user = UserFactory()

    def create(index: int) -> int:
        body = {"full_name": "Wanjiku K", "phone": "0712345678", "line1": f"House {index}", "city": "Nairobi",
                "county": "Nairobi"}  # fmt: skip
        return authenticated_client(user).post("/api/v1/addresses", body).status_code

    statuses = run_at_once(create)

    assert statuses == [201] * THREADS
    assert Address.objects.filter(user=user).count() == THREADS
    assert Address.objects.filter(user=user, is_default=True).count() == 1
