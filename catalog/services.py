"""Catalog writes that carry a rule. Stock is not here: it changes only through `catalog.inventory`."""

from decimal import Decimal
from enum import Enum

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.text import slugify
from rest_framework.exceptions import ErrorDetail, ValidationError

from catalog.models import Category, PriceHistory, Product, ProductVariant
from core.exceptions import ConflictError


def variant_price_changed(*, variant: ProductVariant, old_price: Decimal, actor=None) -> PriceHistory | None:
    """Record a price change made to `variant` (already saved with its new price); no change, no record."""
    if old_price is None or Decimal(old_price) == variant.price:
        return None
    return PriceHistory.objects.create(variant=variant, old_price=old_price, new_price=variant.price, changed_by=actor)


def variant_set_price(*, variant: ProductVariant, price: Decimal, actor=None) -> ProductVariant:
    with transaction.atomic():
        locked = ProductVariant.objects.select_for_update().get(pk=variant.pk)
        old_price = locked.price
        locked.price = price
        locked.save(update_fields=["price", "updated_at"])
        variant_price_changed(variant=locked, old_price=old_price, actor=actor)
    return locked


# --- Categories ---------------------------------------------------------------------------------


class CategoryInUse(ConflictError):
    default_detail = "The category or one of its subcategories still holds products; move or delete them first."
    default_code = "category_in_use"


class _KeepParent(Enum):
    KEEP = "keep"


# `category_update(parent=...)` default: leave the category where it is (None would make it a root).
KEEP_PARENT = _KeepParent.KEEP

# Room left in `Category.slug` (140) for a "-<n>" suffix.
_SLUG_BASE_MAX_LENGTH = 130


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [ErrorDetail(message, code=code)]})


def _category_slug_check(*, slug: str, exclude: Category | None = None) -> None:
    # Paths take a category by slug or by id; an all-digit slug would read as an id.
    if slug.isdigit():
        raise _field_error("slug", "A slug cannot be only digits.", "invalid")
    taken = Category.objects.filter(slug=slug)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise _field_error("slug", "A category with this slug already exists.", "unique")


def _category_slug_from(name: str) -> str:
    """`name` slugified, with `-2`, `-3`, ... appended when the plain slug is taken."""
    base = slugify(name)[:_SLUG_BASE_MAX_LENGTH].strip("-") or "category"
    if base.isdigit():
        base = f"category-{base}"
    taken = set(Category.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


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
        slug = _category_slug_from(name)
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
            raise _field_error("slug", "A category with this slug already exists.", "unique") from None
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
        raise _field_error("parent", "A category cannot move under itself or one of its subcategories.", "invalid")
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
