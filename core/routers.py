from django.urls import re_path
from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    """Router whose routes answer with or without a trailing slash, so no client is redirected."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.trailing_slash = "/?"


def route(pattern: str, view, name: str):
    """A single path that also answers with a trailing slash: `route("auth/login", view, "login")`."""
    return re_path(rf"^{pattern}/?$", view, name=name)
