import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from core.testing import authenticated_client


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def customer(db):
    return UserFactory(email="achieng@example.com", first_name="Achieng", last_name="Odhiambo")


@pytest.fixture
def customer_api(customer):
    return authenticated_client(customer)
