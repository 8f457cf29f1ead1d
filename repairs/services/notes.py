"""Notes on a ticket: the desk's private working notes, and public ones the customer reads on the tracking page."""

from django.db import transaction
from django.utils import timezone

from repairs.models import RepairNote, RepairRequest


def note_add(*, repair: RepairRequest, author, body: str, is_public: bool) -> RepairNote:
    """
    Add a note by `author` (a desk user). Notes are a log: never edited, so what the customer read
    stays what was written. A public note is news for the customer, so the ticket's `updated_at`
    (the tracking page's "last update") moves with it; a private one changes nothing they see.
    """
    with transaction.atomic():
        note = RepairNote.objects.create(repair=repair, author=author, body=body.strip(), is_public=is_public)
        if is_public:
            RepairRequest.objects.filter(pk=repair.pk).update(updated_at=timezone.now())
    return note
