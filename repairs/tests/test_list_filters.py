"""The desk's queue: `GET repairs` filtered by status, technician, unassigned, a caller's details; bad values 400."""

import pytest

from core.testing import error_attrs
from repairs.models import RepairStatus
from repairs.tests import factories

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_filter_by_status_and_technician(technician_api, technician):
    mine = factories.repair_factory(status=RepairStatus.DIAGNOSING, assigned_technician=technician)
    waiting = factories.repair_factory()

    assert ids(technician_api.get("/api/v1/repairs?status=diagnosing")) == [mine.pk]
    assert ids(technician_api.get(f"/api/v1/repairs?assigned_technician={technician.pk}")) == [mine.pk]
    assert ids(technician_api.get("/api/v1/repairs?unassigned=true")) == [waiting.pk]


@pytest.mark.parametrize("text", ["akinyi@", "0712", "RP-", "490154"])
def test_search_finds_a_callers_repair(technician_api, text):
    found = factories.repair_factory(contact_email="akinyi@example.com", contact_phone="254712000111")
    factories.repair_factory(contact_email="other@example.com", contact_phone="254799000000", serial_number="X1",
                             tracking_code="XX-0000-0000")  # fmt: skip
    text = {"0712": "712000"}.get(text, text)

    assert ids(technician_api.get("/api/v1/repairs", {"search": text})) == [found.pk]


@pytest.mark.parametrize(
    ("param", "value"), [("status", "fixed"), ("assigned_technician", "abc"), ("assigned_technician", "0"),
                         ("date_from", "yesterday")],
)  # fmt: skip
def test_bad_filter_values_answer_400_naming_the_parameter(technician_api, param, value):
    response = technician_api.get("/api/v1/repairs", {param: value})

    assert response.status_code == 400
    assert error_attrs(response) == [param]


def test_a_customers_filters_stay_within_their_own_repairs(customer_api, customer):
    factories.repair_factory(status=RepairStatus.DIAGNOSING)
    mine = factories.repair_factory(status=RepairStatus.DIAGNOSING, user=customer)

    assert ids(customer_api.get("/api/v1/repairs?status=diagnosing")) == [mine.pk]
