"""The store's days: `date_from` / `date_to` filters count whole days in STORE_TIME_ZONE."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def store_today() -> date:
    """Today in the store's time zone: the day API.md means by "today" (warranty dates, filters)."""
    return timezone.localdate(timezone=ZoneInfo(settings.STORE_TIME_ZONE))


def store_day_start(day: date) -> datetime:
    """The instant the store's `day` begins (aware; compare with UTC-stored timestamps)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.STORE_TIME_ZONE))


def store_day_end_exclusive(day: date) -> datetime:
    """The next day's start; the last day a `date` can hold (9999-12-31) ends at its last instant instead."""
    if day == date.max:
        return datetime.combine(day, time.max, tzinfo=ZoneInfo(settings.STORE_TIME_ZONE))
    return store_day_start(day + timedelta(days=1))
