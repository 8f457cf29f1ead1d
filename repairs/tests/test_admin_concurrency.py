"""
Two desks on one repair's admin page at once, with real threads on PostgreSQL: two technicians
pressing the same status button make one move and read one refusal; a form saved while another desk
moves the repair keeps both the edit and the move.
"""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from core.testing import run_at_once
from repairs.models import RepairStatus, RepairStatusEvent
from repairs.tests import factories
from repairs.tests.test_admin import CHANGELIST, change_form, change_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

S = RepairStatus


def signed_in_technician() -> Client:
    client = Client()
    client.force_login(factories.technician_user())
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_two_technicians_pressing_the_same_button_at_once_move_the_repair_once():
    repair = factories.repair_factory(status=S.IN_REPAIR)
    desks = [signed_in_technician() for _ in range(2)]

    def press(desk):
        return lambda: desk.post(f"{CHANGELIST}{repair.pk}/move/", {"to": S.READY_FOR_PICKUP})

    responses = run_at_once([press(desk) for desk in desks])

    said = sorted(message for response in responses for message in messages_of(response))
    assert said == [
        f"{repair.tracking_code} is now ready for pickup.",
        f"{repair.tracking_code} not moved: This repair is already ready for pickup.",
    ]
    assert RepairStatusEvent.objects.filter(repair=repair, status=S.READY_FOR_PICKUP).count() == 1
    repair.refresh_from_db()
    assert repair.status == S.READY_FOR_PICKUP


def test_a_form_saved_while_another_desk_moves_the_repair_keeps_the_move():
    repair = factories.repair_factory(status=S.DIAGNOSING)
    editor, mover = signed_in_technician(), signed_in_technician()
    form = change_form(repair, diagnosis="Charging port worn")  # the page as it was loaded, in diagnosing

    responses = run_at_once([
        lambda: editor.post(change_url(repair), form),
        lambda: mover.post(f"{CHANGELIST}{repair.pk}/move/", {"to": S.CANCELLED, "confirm": "yes"}),
    ])  # fmt: skip

    assert [response.status_code for response in responses] == [302, 302]
    repair.refresh_from_db()
    assert (repair.status, repair.diagnosis) == (S.CANCELLED, "Charging port worn")
