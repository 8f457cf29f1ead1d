"""
Query parameters of every list: one filter machinery, so no parameter reaches the database unchecked.

- Filter sets derive from `FilterSet` (the backend below makes even `filterset_fields` ones do);
  ids use `IdFilter`, store-day ranges `StoreDayRangeFilterSet`. A bad value answers 400 with the
  parameter in `attr`.
- `ordering`: unknown names are ignored, in every list alike (DRF's behaviour): the list keeps its
  default order.
- `page` past the end or not a number: 404 `not_found` (DRF's); `page_size` that is not a positive
  number falls back to 20, above 100 it is 100 (core/pagination.py).
"""

from datetime import date

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django_filters import rest_framework as filters
from rest_framework.filters import OrderingFilter

from core.dates import store_day_end_exclusive, store_day_start
from core.serializers import MAX_ID

# Days a date filter takes. Before the year 1000 the store's midnight in UTC soon falls outside
# what Python's datetime can hold; nobody asks for sales of the first millennium.
FIRST_DAY = date(1000, 1, 1)
LAST_DAY = date.max


class IdField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class IdFilter(filters.Filter):
    """An id: a whole number from 1 to 2**63-1 (a 64-bit column), else 400 naming the parameter."""

    field_class = IdField


class StoreDayField(forms.DateField):
    """A day as API.md writes it, `YYYY-MM-DD`, from FIRST_DAY to LAST_DAY."""

    input_formats = ["%Y-%m-%d"]
    default_validators = [MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)]
    default_error_messages = {"invalid": "Enter a day as YYYY-MM-DD."}


class StoreDayFilter(filters.Filter):
    field_class = StoreDayField


class FilterSet(filters.FilterSet):
    """
    The base of every filter set. A range whose `date_to` is before its `date_from` is refused
    (400 on `date_to`) instead of quietly answering nothing.
    """

    def is_valid(self) -> bool:
        if not super().is_valid():
            return False
        first, last = self.form.cleaned_data.get("date_from"), self.form.cleaned_data.get("date_to")
        if first and last and last < first:
            self.form.add_error("date_to", forms.ValidationError("date_to is before date_from.", code="invalid_range"))
            return False
        return True


class StoreDayRangeFilterSet(FilterSet):
    """
    `date_from` / `date_to` (API.md): whole days in the store's time zone, both inclusive, on the
    timestamp named by the subclass's `date_field`.
    """

    date_field = "created_at"

    date_from = StoreDayFilter(method="filter_date_from", help_text="YYYY-MM-DD, inclusive, store time zone.")
    date_to = StoreDayFilter(method="filter_date_to", help_text="YYYY-MM-DD, inclusive, store time zone.")

    def filter_date_from(self, queryset, name, value: date):
        return queryset.filter(**{f"{self.date_field}__gte": store_day_start(value)})

    def filter_date_to(self, queryset, name, value: date):
        return queryset.filter(**{f"{self.date_field}__lt": store_day_end_exclusive(value)})


class DjangoFilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend, building `filterset_fields` filter sets on `FilterSet` too."""

    filterset_base = FilterSet


class PublicNameOrderingFilter(OrderingFilter):
    """
    `?ordering=price,-popularity` where the public names map onto query fields
    (`view.ordering_fields = {"price": "min_price", ...}`); unknown names are ignored, and the
    primary key breaks ties so pages never repeat or skip a row. Without a valid `ordering`, the
    view's `get_default_ordering(queryset)` decides when it has one, else `view.ordering`.
    """

    def get_ordering(self, request, queryset, view):
        mapping: dict[str, str] = getattr(view, "ordering_fields", {})
        params = request.query_params.get(self.ordering_param, "")
        ordering = []
        for term in (part.strip() for part in params.split(",")):
            descending = term.startswith("-")
            field = mapping.get(term.lstrip("-"))
            if field:
                ordering.append(f"-{field}" if descending else field)
        if not ordering:
            default = getattr(view, "get_default_ordering", None)
            ordering = list(default(queryset) if default else getattr(view, "ordering", None) or [])
        if not any(term.lstrip("-") in ("id", "pk") for term in ordering):
            ordering.append("-id")
        return ordering

    def get_schema_operation_parameters(self, view):
        names = ", ".join(f"`{name}`" for name in getattr(view, "ordering_fields", {}))
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"Order by {names}; prefix `-` for descending.",
                "schema": {"type": "string"},
            }
        ]
