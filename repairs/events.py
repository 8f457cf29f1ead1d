"""The repair desk's outbox events, one explicit call each (never a signal)."""

from core.events import event_record
from core.models import EventType
from repairs.models import RepairRequest


def status_changed(*, repair: RepairRequest, actor, old: str, new: str, note: str) -> None:
    event_record(
        type=EventType.REPAIR_STATUS_CHANGED,
        actor=actor,
        payload={"repair_id": repair.pk, "tracking_code": repair.tracking_code, "from": old, "to": new, "note": note},
    )
