"""
The query parameters every report takes, parsed in one place: `date_from` / `date_to` (store days,
both inclusive, default the last 30 days ending with the store's today) and `compare`.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from rest_framework import serializers

from core.dates import store_day_end_exclusive, store_day_start, store_today
from core.filters import FIRST_DAY

DEFAULT_DAYS = 30
# About ten years: longer ranges are refused rather than building a row per day for centuries.
MAX_DAYS = 3660


class Compare:
    PREVIOUS_PERIOD = "previous_period"
    PREVIOUS_YEAR = "previous_year"
    CHOICES = (PREVIOUS_PERIOD, PREVIOUS_YEAR)


@dataclass(frozen=True)
class DayRange:
    """Store days `first`..`last`, both inclusive."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        """The instant the range begins (aware)."""
        return store_day_start(self.first)

    @property
    def end(self) -> datetime:
        """The instant after the range ends (aware, exclusive)."""
        return store_day_end_exclusive(self.last)

    def previous(self, compare: str) -> "DayRange":
        """The range `compare` sets this one against: the same number of days before, or a year earlier."""
        if compare == Compare.PREVIOUS_YEAR:
            return DayRange(first=_year_before(self.first), last=_year_before(self.last))
        return DayRange(first=self.first - timedelta(days=self.days), last=self.first - timedelta(days=1))


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# The range and the one it is compared with (a year or a range's length earlier) stay days Python holds.
DAY_BOUNDS = [MinValueValidator(date(FIRST_DAY.year + 11, 1, 1)), MaxValueValidator(date(9998, 12, 31))]


class RangeParamsSerializer(serializers.Serializer):
    date_from = serializers.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        validators=DAY_BOUNDS,
        help_text="YYYY-MM-DD, inclusive, store time zone; default 30 days to date_to.",
    )
    date_to = serializers.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        validators=DAY_BOUNDS,
        help_text="YYYY-MM-DD, inclusive, store time zone; default today.",
    )
    compare = serializers.ChoiceField(
        choices=Compare.CHOICES, required=False, help_text="Add the same figures for the previous period or year."
    )

    def validate(self, attrs):
        last = attrs.get("date_to") or store_today()
        first = attrs.get("date_from") or last - timedelta(days=DEFAULT_DAYS - 1)
        if last < first:
            raise serializers.ValidationError({"date_to": "date_to is before date_from."}, code="invalid_range")
        if (last - first).days + 1 > MAX_DAYS:
            raise serializers.ValidationError(
                {"date_from": f"A range covers at most {MAX_DAYS} days."}, code="range_too_long"
            )
        attrs["range"] = DayRange(first=first, last=last)
        return attrs


@dataclass(frozen=True)
class ReportParams:
    range: DayRange
    compare: str | None

    @property
    def previous(self) -> DayRange | None:
        return self.range.previous(self.compare) if self.compare else None


def parse_params(query_params, serializer_class=RangeParamsSerializer) -> tuple[ReportParams, dict]:
    """Parse a report's query string; a bad value raises the 400 envelope naming the parameter."""
    serializer = serializer_class(data=query_params)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    return ReportParams(range=data["range"], compare=data.get("compare")), data
