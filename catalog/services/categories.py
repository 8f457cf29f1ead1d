"""Category writes: the tree is kept sorted by name, and a category holding products stays."""

from enum import Enum

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from rest_framework.exceptions import ErrorDetail, ValidationError

from catalog.models import Category, Product
from core.exceptions import ConflictError
from core.slugs import check_slug_free, slug_error, unique_slug


class CategoryInUse(ConflictError):
    default_detail = "The category or one of its subcategories still holds products; move or delete them first."
    default_code = "category_in_use"


class _KeepParent(Enum):
    KEEP = "keep"


# `category_update(parent=...)` default: leave the category where it is (None would make it a root).
KEEP_PARENT = _KeepParent.KEEP


def _category_slug_check(*, slug: str, exclude: Category | None = None) -> None:
    check_slug_free(Category.objects.all(), slug, exclude_pk=exclude.pk if exclude else None, noun="category")


def _category_place(*, category: Category, parent: Category | None) -> None:
    """Move `category` (with its subtree) under `parent`, or to the roots, at its place in name order."""
    if parent is None:
        Category.objects.move(category, Category.objects.get_first_root_node(), "sorted-sibling")
    else:
        Category.objects.move(category, parent, "sorted-child")


def category_create(
    *, name: str, slug: str | None = None, description: str = "", parent: Category | None = None
) -> Category:
    """Add a category under `parent` (a root when None); without a slug, make a unique one from the name."""
    if slug is None:
        slug = unique_slug(Category.objects.all(), name, max_length=140, fallback="category")
    else:
        _category_slug_check(slug=slug)
    fields = {"name": name, "slug": slug, "description": description}
    try:
        with transaction.atomic():
            if parent is None:
                return Category.objects.add_root(fields)
            return Category.objects.add_child(parent, fields)
    except IntegrityError:
        # Another request took the slug between the check and the insert.
        if Category.objects.filter(slug=slug).exists():
            raise slug_error("A category with this slug already exists.", "unique") from None
        raise


def category_update(
    *,
    category: Category,
    name: str | None = None,
    slug: str | None = None,
    description: str | None = None,
    parent: Category | _KeepParent | None = KEEP_PARENT,
) -> Category:
    """
    Change the given fields of `category`; a `parent` moves it with its subtree (None: to the roots).
    The slug stays as it is on a rename, so links to the category keep working.
    """
    if isinstance(parent, Category) and (parent.pk == category.pk or parent.is_descendant_of(category)):
        message = "A category cannot move under itself or one of its subcategories."
        raise ValidationError({"parent": [ErrorDetail(message, code="invalid")]})
    if slug is not None and slug != category.slug:
        _category_slug_check(slug=slug, exclude=category)

    with transaction.atomic():
        current_parent = Category.objects.get_parent(category)
        moved = parent is not KEEP_PARENT and getattr(parent, "pk", None) != getattr(current_parent, "pk", None)
        renamed = name is not None and name != category.name
        changed = {
            field: value
            for field, value in (("name", name), ("slug", slug), ("description", description))
            if value is not None and value != getattr(category, field)
        }
        for field, value in changed.items():
            setattr(category, field, value)
        if changed:
            category.save(update_fields=[*changed, "updated_at"])
        # Siblings are kept in name order, so a rename can change the category's place too.
        if moved or renamed:
            _category_place(category=category, parent=parent if moved else current_parent)
    return category


def category_delete(*, category: Category) -> None:
    """Delete `category` and its subcategories; refuse while any of them holds a product."""
    with transaction.atomic():
        if Product.objects.filter(category__path__startswith=category.path).exists():
            raise CategoryInUse()
        try:
            Category.objects.filter(pk=category.pk).delete()
        except ProtectedError as exc:  # a product was added since the check
            raise CategoryInUse() from exc
