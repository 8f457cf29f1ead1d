"""
The customer's emails: one per customer-visible status, with the public tracking link, sent once the
move commits; nothing for the desk's own steps, nothing twice, nothing for a move that was refused.
"""

import pytest

from repairs.models import QuoteStatus, RepairStatus
from repairs.notifications import CUSTOMER_MESSAGES
from repairs.services.lifecycle import TRANSITIONS
from repairs.tests import factories

pytestmark = pytest.mark.django_db

S = RepairStatus


def patch(client, repair, body, capture):
    with capture(execute=True):
        return client.patch(f"/api/v1/repairs/{repair.pk}", body, format="json")


def test_handing_in_a_device_emails_the_intake_receipt_with_the_tracking_link(
    api, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.REPAIR_TRACKING_URL = "https://duka.example/repairs/{code}"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/repairs", factories.repair_body(accessories="Charger"), format="json")

    code = response.json()["tracking_code"]
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["akinyi@example.com"]
    assert code in email.subject and "received" in email.subject
    assert f"https://duka.example/repairs/{code}" in email.body
    assert "Left with it: Charger" in email.body
    assert f'href="https://duka.example/repairs/{code}"' in email.alternatives[0][0]


@pytest.mark.parametrize("new", sorted(CUSTOMER_MESSAGES.keys() - {S.RECEIVED}))
def test_each_customer_visible_status_sends_one_email(technician_api, mailoutbox, django_capture_on_commit_callbacks,
                                                      new):  # fmt: skip
    old = next(old for old, moves in TRANSITIONS.items() if new in moves)
    repair = factories.repair_at(old)
    if new == S.AWAITING_APPROVAL:
        factories.quote_factory(repair, status=QuoteStatus.SENT)
    if old == S.AWAITING_APPROVAL:  # the customer answered first: the desk cannot skip the approval
        repair.quotes.filter(status=QuoteStatus.SENT).update(status=QuoteStatus.APPROVED)

    response = patch(technician_api, repair, {"status": new}, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    assert len(mailoutbox) == 1
    assert repair.tracking_code in mailoutbox[0].body
    assert RepairStatus(new).label.lower() in mailoutbox[0].subject


@pytest.mark.parametrize("new", [S.DIAGNOSING, S.IN_REPAIR])
def test_the_desks_own_steps_send_nothing(technician_api, mailoutbox, django_capture_on_commit_callbacks, new):
    repair = factories.repair_at(S.RECEIVED if new == S.DIAGNOSING else S.DIAGNOSING)

    assert patch(technician_api, repair, {"status": new}, django_capture_on_commit_callbacks).status_code == 200
    assert mailoutbox == []


def test_the_quote_email_lists_its_lines_and_points_to_the_tracking_page(
    technician_api, mailoutbox, django_capture_on_commit_callbacks
):
    repair = factories.repair_at(S.DIAGNOSING)
    factories.quote_factory(repair, status=QuoteStatus.SENT, note="Screen and labour.")

    patch(technician_api, repair, {"status": S.AWAITING_APPROVAL}, django_capture_on_commit_callbacks)

    body = mailoutbox[0].body
    assert "1 x Labour: KES 2500.00" in body
    assert "Total: KES 2500.00" in body
    assert "Approve or decline the quote on the tracking page" in body


def test_a_move_to_the_same_status_is_refused_so_no_second_email_goes(
    technician_api, mailoutbox, django_capture_on_commit_callbacks
):
    repair = factories.repair_at(S.IN_REPAIR)

    first = patch(technician_api, repair, {"status": S.READY_FOR_PICKUP}, django_capture_on_commit_callbacks)
    again = patch(technician_api, repair, {"status": S.READY_FOR_PICKUP}, django_capture_on_commit_callbacks)

    assert (first.status_code, again.status_code) == (200, 409)
    assert again.json()["errors"][0]["code"] == "invalid_transition"
    assert len(mailoutbox) == 1


def test_a_cancellation_email_carries_the_reason(technician_api, mailoutbox, django_capture_on_commit_callbacks):
    repair = factories.repair_at(S.DIAGNOSING)

    patch(technician_api, repair, {"status": S.CANCELLED, "note": "Board beyond repair."},
          django_capture_on_commit_callbacks)  # fmt: skip

    assert "Note: Board beyond repair." in mailoutbox[0].body
    assert "collect your device" in mailoutbox[0].body
