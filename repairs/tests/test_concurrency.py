"""
Two desks at once, with real threads on PostgreSQL: two technicians moving one ticket to the same
status make one move (one history row, one event, one email) and one 409 `invalid_transition`.
"""

import pytest
from django.core import mail

from core.models import Event
from core.testing import authenticated_client, run_at_once
from repairs.models import RepairStatus, RepairStatusEvent
from repairs.tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("old", "new"), [(RepairStatus.RECEIVED, RepairStatus.DIAGNOSING),
                                          (RepairStatus.IN_REPAIR, RepairStatus.READY_FOR_PICKUP)])  # fmt: skip
def test_two_technicians_making_the_same_move_at_once_make_it_once(old, new, mailoutbox):
    repair = factories.repair_at(old)
    clients = [authenticated_client(factories.technician_user()) for _ in range(2)]

    def move(client):
        return lambda: client.patch(f"/api/v1/repairs/{repair.pk}", {"status": new}, format="json")

    responses = run_at_once([move(client) for client in clients])

    codes = sorted(getattr(response, "status_code", repr(response)) for response in responses)
    assert codes == [200, 409]
    refused = next(response for response in responses if response.status_code == 409)
    assert refused.json()["errors"][0]["code"] == "invalid_transition"
    assert RepairStatusEvent.objects.filter(repair=repair, status=new).count() == 1
    assert Event.objects.filter(type="repair.status_changed", payload__repair_id=repair.pk).count() == 1
    customer_emails = [email for email in mail.outbox if repair.tracking_code in email.subject]
    assert len(customer_emails) == (1 if new == RepairStatus.READY_FOR_PICKUP else 0)
    repair.refresh_from_db()
    assert repair.status == new
