"""Record domain events. Services call `event_record` inside their transaction, never through signals."""

from typing import Any

from core.models import Event, EventType


def event_record(*, type: EventType | str, payload: dict[str, Any], actor=None) -> Event:
    assert type in EventType.values, f"Unknown event type {type!r}; add it to core.models.EventType."
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return Event.objects.create(type=type, payload=payload, actor=actor)


def events_record(*, type: EventType | str, payloads: list[dict[str, Any]], actor=None) -> list[Event]:
    """Several events of one type at once (e.g. every variant that fell low in one checkout)."""
    assert type in EventType.values, f"Unknown event type {type!r}; add it to core.models.EventType."
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return Event.objects.bulk_create([Event(type=type, payload=payload, actor=actor) for payload in payloads])
