"""Notes on a ticket: the desk's private working notes, and public ones the customer reads on the tracking page."""

from repairs.models import RepairNote, RepairRequest


def note_add(*, repair: RepairRequest, author, body: str, is_public: bool) -> RepairNote:
    """Add a note by `author` (a desk user). Notes are a log: they are never edited, so none is rewritten later."""
    return RepairNote.objects.create(repair=repair, author=author, body=body.strip(), is_public=is_public)
