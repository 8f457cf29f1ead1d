"""Query parameters of `GET repairs`: the desk's queue by status or technician, or a caller's details."""

from django_filters import rest_framework as filters

from core.filters import IdFilter, StoreDayRangeFilterSet
from repairs.models import RepairRequest, RepairStatus
from repairs.selectors import repair_search


class RepairFilter(StoreDayRangeFilterSet):
    status = filters.ChoiceFilter(choices=RepairStatus.choices)
    assigned_technician = IdFilter(help_text="The assigned technician's user id.")
    unassigned = filters.BooleanFilter(field_name="assigned_technician", lookup_expr="isnull",
                                       help_text="true: no technician yet.")  # fmt: skip
    search = filters.CharFilter(
        method="filter_search", max_length=100,
        help_text="Part of the tracking code, serial/IMEI, contact name, phone or email.",
    )  # fmt: skip

    class Meta:
        model = RepairRequest
        fields = ["status", "assigned_technician", "unassigned", "date_from", "date_to", "search"]

    def filter_search(self, queryset, name, value):
        return repair_search(queryset, text=value)
