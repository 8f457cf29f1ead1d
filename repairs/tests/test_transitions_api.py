"""
Every move of the status table through `PATCH repairs/{id}`, allowed and refused, by every role.

The desk (technician, staff, admin) gets 200 for a move the table allows and 409 `invalid_transition`
for any other, including a move to the status the ticket already has. The ticket's owner is refused
(403), another customer does not learn it exists (404), and no token is 401. A refused PATCH
changes nothing: no status, no history row, no event.
"""

import pytest

from core.models import Event
from core.testing import authenticated_client, error_codes
from repairs.models import QuoteStatus, RepairRequest, RepairStatus, RepairStatusEvent
from repairs.services.lifecycle import TRANSITIONS
from repairs.tests import factories

pytestmark = pytest.mark.django_db

STATUSES = list(RepairStatus.values)
ALLOWED = [(old, new) for old in STATUSES for new in STATUSES if new in TRANSITIONS[old]]
REFUSED = [(old, new) for old in STATUSES for new in STATUSES if new not in TRANSITIONS[old]]
DESK = {"technician": factories.technician_user, "staff": factories.staff_user, "admin": factories.admin_user}


def ready_for(repair: RepairRequest, new: str) -> None:
    """What the desk's flow has done just before such a move: a quote sent to ask for approval, approved to go on."""
    if new == RepairStatus.AWAITING_APPROVAL and not repair.quotes.filter(status=QuoteStatus.SENT).exists():
        factories.quote_factory(repair, status=QuoteStatus.SENT)
    if repair.status == RepairStatus.AWAITING_APPROVAL and new in (RepairStatus.IN_REPAIR, RepairStatus.AWAITING_PARTS):
        repair.quotes.filter(status=QuoteStatus.SENT).update(status=QuoteStatus.APPROVED)
        RepairRequest.objects.filter(pk=repair.pk).update(approved_total=repair.quotes.get(
            status=QuoteStatus.APPROVED).total)  # fmt: skip


def history_count(repair) -> int:
    return RepairStatusEvent.objects.filter(repair=repair).count()


def status_events(repair) -> int:
    return Event.objects.filter(type="repair.status_changed", payload__repair_id=repair.pk).count()


@pytest.mark.parametrize("role", DESK)
@pytest.mark.parametrize(("old", "new"), ALLOWED, ids=[f"{o}->{n}" for o, n in ALLOWED])
def test_the_desk_makes_every_move_the_table_allows(role, old, new):
    repair = factories.repair_at(old)
    ready_for(repair, new)
    user = DESK[role]()

    response = authenticated_client(user).patch(f"/api/v1/repairs/{repair.pk}", {"status": new}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == new
    assert response.json()["history"][-1]["status"] == new
    assert RepairStatusEvent.objects.filter(repair=repair, from_status=old, status=new, actor=user).count() == 1
    assert status_events(repair) == 1


@pytest.mark.parametrize("role", DESK)
@pytest.mark.parametrize(("old", "new"), REFUSED, ids=[f"{o}->{n}" for o, n in REFUSED])
def test_the_desk_is_refused_every_move_the_table_forbids(role, old, new):
    repair = factories.repair_at(old)
    before = history_count(repair)

    response = authenticated_client(DESK[role]()).patch(f"/api/v1/repairs/{repair.pk}", {"status": new}, format="json")

    assert response.status_code == 409
    assert error_codes(response) == ["invalid_transition"]
    repair.refresh_from_db()
    assert repair.status == old
    assert history_count(repair) == before
    assert status_events(repair) == 0


@pytest.mark.parametrize(("old", "new"), ALLOWED, ids=[f"{o}->{n}" for o, n in ALLOWED])
def test_the_owner_may_not_move_their_repair(customer, customer_api, old, new):
    repair = factories.repair_at(old, user=customer)

    response = customer_api.patch(f"/api/v1/repairs/{repair.pk}", {"status": new}, format="json")

    assert response.status_code == 403
    repair.refresh_from_db()
    assert repair.status == old


@pytest.mark.parametrize("old", STATUSES)
def test_another_customer_and_anonymous_callers_cannot_move_a_repair(customer, other_customer_api, api, old):
    repair = factories.repair_at(old, user=customer)
    new = next(iter(TRANSITIONS[old]), RepairStatus.RECEIVED)

    assert other_customer_api.patch(f"/api/v1/repairs/{repair.pk}", {"status": new}, format="json").status_code == 404
    assert api.patch(f"/api/v1/repairs/{repair.pk}", {"status": new}, format="json").status_code == 401
    repair.refresh_from_db()
    assert repair.status == old
