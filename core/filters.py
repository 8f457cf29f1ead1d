from rest_framework.filters import OrderingFilter


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
