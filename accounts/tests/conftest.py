import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.tests.factories import UserFactory
from core.testing import authenticated_client


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def customer(db):
    return UserFactory(email="wanjiku@example.com", first_name="Wanjiku", last_name="Kariuki")


@pytest.fixture
def customer_api(customer):
    return authenticated_client(customer)


@pytest.fixture
def admin_user(db):
    return UserFactory(email="boss@example.com", role=Role.ADMIN)


@pytest.fixture
def admin_api(admin_user):
    return authenticated_client(admin_user)


@pytest.fixture
def staff_user(db):
    return UserFactory(email="clerk@example.com", role=Role.STAFF)
