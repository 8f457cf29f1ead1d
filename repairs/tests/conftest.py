import pytest

from core.testing import authenticated_client
from repairs.tests import factories


@pytest.fixture
def technician(db):
    return factories.technician_user(email="tech@example.com", first_name="Cynthia", last_name="Wanjiru")


@pytest.fixture
def technician_api(technician):
    return authenticated_client(technician)


@pytest.fixture
def other_customer(db):
    return factories.customer_user(email="otieno@example.com")


@pytest.fixture
def other_customer_api(other_customer):
    return authenticated_client(other_customer)
