"""
Category writes: the tree is kept sorted by name, and a category holding products stays.

Every change to the tree takes one lock first (`category_tree_lock`), then reads the nodes it
works on again: a move rewrites the materialized paths of a whole branch and shifts siblings, so
two changes working from paths read before the other committed would corrupt the tree (A under
B while B goes under A makes a cycle; a child moving while its parent moves loses its branch).
Under the lock, the second change sees the first one's result and either still makes sense or
answers 400.
"""

from enum import Enum

from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from rest_framework.exceptions import ErrorDetail, NotFound, ValidationError

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


# The key of the PostgreSQL advisory lock over the category tree ("DUKA" and 1): any constant
# that no other lock of this database uses.
TREE_LOCK_KEY = 0x44554B41_00000001


def category_tree_lock() -> None:
    """
    Hold the category tree for the rest of the current transaction: other tree changes wait.
    On PostgreSQL a transaction-level advisory lock; on SQLite every transaction already begins
    IMMEDIATE (see the database settings), so writers queue without it.
    """
    assert connection.in_atomic_block, "Lock the category tree inside transaction.atomic()."
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TREE_LOCK_KEY])


def _fresh(category: Category) -> Category:
    """`category` as it is now (under the tree lock): its path and child count may have changed."""
    try:
        return Category.objects.get(pk=category.pk)
    except Category.DoesNotExist:
        raise NotFound("No such category: it was deleted meanwhile.") from None


def _fresh_parent(parent: Category) -> Category:
    try:
        return Category.objects.get(pk=parent.pk)
    except Category.DoesNotExist:
        message = "The parent category was deleted meanwhile; reload the tree."
        raise ValidationError({"parent": [ErrorDetail(message, code="does_not_exist")]}) from None


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
    try:
        with transaction.atomic():
            category_tree_lock()  # also makes the slug check and the insert one step for category writes
            if slug is None:
                slug = unique_slug(Category.objects.all(), name, max_length=140, fallback="category")
            else:
                _category_slug_check(slug=slug)
            fields = {"name": name, "slug": slug, "description": description}
            if parent is None:
                return Category.objects.add_root(fields)
            return Category.objects.add_child(_fresh_parent(parent), fields)
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
    with transaction.atomic():
        category_tree_lock()
        category = _fresh(category)
        if slug is not None and slug != category.slug:
            _category_slug_check(slug=slug, exclude=category)
        if isinstance(parent, Category):
            parent = _fresh_parent(parent)
            if parent.pk == category.pk:
                message = "A category cannot move under itself."
                raise ValidationError({"parent": [ErrorDetail(message, code="invalid")]})
            if parent.is_descendant_of(category):
                # Also what the second of two crossed moves (A under B, B under A) answers.
                message = (
                    f"{parent.name} is below {category.name} in the tree now, so {category.name} cannot move under it."
                )
                raise ValidationError({"parent": [ErrorDetail(message, code="invalid")]})
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
        category_tree_lock()
        category = _fresh(category)
        if Product.objects.filter(category__path__startswith=category.path).exists():
            raise CategoryInUse()
        try:
            Category.objects.filter(pk=category.pk).delete()
        except ProtectedError as exc:  # a product was added since the check
            raise CategoryInUse() from exc
