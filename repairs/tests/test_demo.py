from io import StringIO

import pytest
from django.core.management import call_command

from core.dates import store_today
from repairs.models import PartState, QuoteStatus, RepairNote, RepairRequest, RepairStatus

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_repair_desk_with_a_dozen_repairs_in_every_status(settings, tmp_path, mailoutbox):
    settings.MEDIA_ROOT = tmp_path
    settings.PAYMENTS_SIMULATION = False
    out = StringIO()

    call_command("seed_demo", products=12, stdout=out)
    call_command("seed_demo", products=12, stdout=StringIO())  # again: nothing more

    repairs = RepairRequest.objects.all()
    assert repairs.count() == 13
    assert set(repairs.values_list("status", flat=True)) == set(RepairStatus.values)
    assert repairs.filter(user__email="customer@duka.local").count() == 1
    assert repairs.filter(warranty_of__isnull=False).count() == 1
    assert RepairNote.objects.filter(is_public=True).exists() and RepairNote.objects.filter(is_public=False).exists()
    assert set(RepairRequest.objects.values_list("quotes__status", flat=True)) >= {
        QuoteStatus.SENT, QuoteStatus.APPROVED, QuoteStatus.DECLINED,
    }  # fmt: skip
    assert set(RepairRequest.objects.values_list("parts__state", flat=True)) >= {PartState.RESERVED, PartState.USED}
    completed = repairs.filter(status=RepairStatus.COMPLETED, warranty_of__isnull=True)
    assert sorted(repair.payment_status for repair in completed) == ["paid", "unpaid"]
    open_statuses = set(RepairStatus.values) - {RepairStatus.COMPLETED, RepairStatus.CANCELLED}
    overdue = repairs.filter(promised_by__lt=store_today(), status__in=open_statuses)
    assert overdue.count() == 2  # the admin's "overdue" filter shows something on a fresh demo
    for repair in repairs:
        assert repair.history.first().status == RepairStatus.RECEIVED
        assert repair.history.last().status == repair.status
    assert "demo repairs" in out.getvalue()
    assert mailoutbox == []
