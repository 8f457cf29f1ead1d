"""
Slugs for resources addressed by slug or id in their paths (`products/{slug}`, `categories/{slug}`).

A slug made only of digits would read as an id, so none is ever made or accepted.
"""

from django.db.models import QuerySet
from django.utils.text import slugify
from rest_framework.exceptions import ErrorDetail, ValidationError

# A path segment naming a resource by slug or id: anything else (a NUL, a dot, non-ASCII) is no
# resource, and the path answers 404 before any lookup.
SLUG_OR_ID_PATTERN = r"[-a-zA-Z0-9_]{1,255}"

# Room left for a "-<n>" suffix when the plain slug is taken.
_SUFFIX_ROOM = 10


def slug_error(message: str, code: str) -> ValidationError:
    return ValidationError({"slug": [ErrorDetail(message, code=code)]})


def unique_slug(taken: QuerySet, text: str, *, max_length: int, fallback: str) -> str:
    """
    `text` slugified, with `-2`, `-3`, ... appended while the slug is among `taken`'s `slug` values.

    `fallback` (e.g. "product") stands in for text that slugifies to nothing and prefixes an
    all-digit slug, so "2024" becomes "product-2024".
    """
    base = slugify(text)[: max_length - _SUFFIX_ROOM].strip("-") or fallback
    if base.isdigit():
        base = f"{fallback}-{base}"
    used = set(taken.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in used:
        n += 1
        slug = f"{base}-{n}"
    return slug


def check_slug_free(taken: QuerySet, slug: str, *, exclude_pk: int | None = None, noun: str = "resource") -> None:
    """Refuse an all-digit slug or one another row already has (400 on `slug`)."""
    if slug.isdigit():
        raise slug_error("A slug cannot be only digits.", "invalid")
    clash = taken.filter(slug=slug)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise slug_error(f"A {noun} with this slug already exists.", "unique")
