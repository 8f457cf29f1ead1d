from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=2&page_size=50`; sizes above 100 are capped at 100 rather than refused."""

    page_size_query_param = "page_size"
    max_page_size = 100
