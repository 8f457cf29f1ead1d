"""A page of repairs costs the same queries whatever it holds: history, notes, parts and quotes are prefetched."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.tests.factories import VariantFactory
from repairs.models import PartState, RepairNote, RepairPart, RepairStatus
from repairs.tests import factories

pytestmark = pytest.mark.django_db


def furnished_repair(technician, **kw):
    repair = factories.repair_at(RepairStatus.IN_REPAIR, assigned_technician=technician, **kw)
    RepairNote.objects.create(repair=repair, author=technician, body="private")
    RepairNote.objects.create(repair=repair, author=technician, body="public", is_public=True)
    RepairPart.objects.create(repair=repair, variant=VariantFactory(), quantity=1, state=PartState.RESERVED)
    factories.quote_factory(repair, status="sent")
    return repair


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


def test_the_desks_list_costs_as_much_for_fifteen_repairs_as_for_one(
    technician_api, technician, django_assert_max_num_queries
):
    furnished_repair(technician)
    one = queries_for(technician_api, "/api/v1/repairs")
    for _ in range(14):
        furnished_repair(technician)

    with django_assert_max_num_queries(one):
        response = technician_api.get("/api/v1/repairs")
    assert response.json()["count"] == 15


def test_a_customers_list_costs_as_much_for_ten_repairs_as_for_one(
    customer_api, customer, technician, django_assert_max_num_queries
):
    furnished_repair(technician, user=customer)
    one = queries_for(customer_api, "/api/v1/repairs")
    for _ in range(9):
        furnished_repair(technician, user=customer)

    with django_assert_max_num_queries(one):
        response = customer_api.get("/api/v1/repairs")
    assert response.json()["count"] == 10


def test_the_tracking_page_reads_a_furnished_repair_in_a_few_queries(api, technician, django_assert_max_num_queries):
    repair = furnished_repair(technician)

    with django_assert_max_num_queries(8):
        assert api.get(f"/api/v1/repairs/track/{repair.tracking_code}").status_code == 200
