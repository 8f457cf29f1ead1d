"""
Product and variant writes.

Stock still changes only through `catalog.inventory`: a new variant's opening stock is a
restock movement and a stock count typed in by staff is a correction, so the movements
always add up to what is on the shelf.
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TypedDict

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from rest_framework.exceptions import ErrorDetail, ValidationError

from catalog import inventory, selectors
from catalog.models import MovementReason, PriceHistory, Product, ProductVariant, StockMovement, Tag
from catalog.services.images import image_files_delete_on_commit
from core.exceptions import ConflictError
from core.slugs import check_slug_free, slug_error, unique_slug


class VariantFields(TypedDict, total=False):
    """A variant as staff write it; `id` picks an existing variant of the product to change."""

    id: int
    sku: str
    name: str
    attributes: dict[str, Any]
    price: Decimal
    stock_quantity: int
    reorder_point: int
    reorder_quantity: int
    is_active: bool


class LastVariant(ConflictError):
    default_detail = "Every product keeps at least one variant; deactivate or delete the product instead."
    default_code = "last_variant"


OPENING_STOCK_NOTE = "Opening stock"
STOCK_COUNT_NOTE = "Stock count set by staff"


# --- Prices ---------------------------------------------------------------------------------------


def variant_price_changed(*, variant: ProductVariant, old_price: Decimal | None, actor=None) -> PriceHistory | None:
    """Record a price change made to `variant` (already saved with its new price); no change, no record."""
    if old_price is None or Decimal(old_price) == variant.price:
        return None
    return PriceHistory.objects.create(variant=variant, old_price=old_price, new_price=variant.price, changed_by=actor)


# --- Variants -------------------------------------------------------------------------------------


def variant_create(
    *,
    product: Product,
    sku: str,
    price: Decimal,
    actor=None,
    name: str = "",
    attributes: dict[str, Any] | None = None,
    stock_quantity: int = 0,
    reorder_point: int = 5,
    reorder_quantity: int = 20,
    is_active: bool = True,
) -> ProductVariant:
    """Add a variant; its opening stock arrives as a restock movement."""
    with transaction.atomic():
        variant = ProductVariant.objects.create(
            product=product,
            sku=sku,
            name=name,
            attributes=attributes or {},
            price=price,
            reorder_point=reorder_point,
            reorder_quantity=reorder_quantity,
            is_active=is_active,
        )
        if stock_quantity:
            inventory.stock_adjust(
                variant_id=variant.pk,
                delta=stock_quantity,
                reason=MovementReason.RESTOCK,
                actor=actor,
                note=OPENING_STOCK_NOTE,
            )
            variant.refresh_from_db(fields=["stock_quantity", "reserved_quantity", "low_stock_notified_at"])
    return variant


def variant_update(
    *, variant: ProductVariant, actor=None, stock_quantity: int | None = None, **fields: Any
) -> ProductVariant:
    """
    Change the given fields of `variant`. A new price writes price history; a new
    `stock_quantity` is a stock count, recorded as a correction (409 if it would fall below
    what is reserved for orders).
    """
    with transaction.atomic():
        locked = ProductVariant.objects.select_for_update().get(pk=variant.pk)
        old_price = locked.price
        changed = [field for field, value in fields.items() if getattr(locked, field) != value]
        for field in changed:
            setattr(locked, field, fields[field])
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
        if "price" in changed:
            variant_price_changed(variant=locked, old_price=old_price, actor=actor)
        if stock_quantity is not None:
            inventory.stock_set_on_hand(
                variant_id=locked.pk, quantity=stock_quantity, actor=actor, note=STOCK_COUNT_NOTE
            )
            locked.refresh_from_db(fields=["stock_quantity", "reserved_quantity", "low_stock_notified_at"])
    return locked


def variant_delete(*, variant: ProductVariant, actor=None) -> bool:
    """
    Remove a variant never ordered, or deactivate one that was (its orders still name it).
    The last variant of a product stays (409). Returns True when the variant was removed.
    """
    with transaction.atomic():
        # The product's row serialises two requests deleting its last two variants.
        Product.objects.select_for_update().filter(pk=variant.product_id).get()
        if ProductVariant.objects.filter(product_id=variant.product_id).count() <= 1:
            raise LastVariant()
        if selectors.variants_have_orders(variant_ids=[variant.pk]):
            _variants_deactivate(ProductVariant.objects.filter(pk=variant.pk))
            return False
        try:
            with transaction.atomic():
                StockMovement.objects.filter(variant=variant).delete()
                variant.delete()
        except ProtectedError:  # an order line made since the check
            _variants_deactivate(ProductVariant.objects.filter(pk=variant.pk))
            return False
    return True


def _variants_deactivate(variants) -> None:
    variants.update(is_active=False, updated_at=timezone.now())


# --- Products -------------------------------------------------------------------------------------

PRODUCT_SLUG_MAX_LENGTH = 220


def product_create(
    *,
    name: str,
    category,
    variants: Sequence[VariantFields],
    actor=None,
    slug: str | None = None,
    tags: Sequence[str] | None = None,
    **fields: Any,
) -> Product:
    """
    Create a product with its variants (at least one). Without a slug, make a unique one from
    the name; it stays when the product is renamed, so links keep working.
    """
    assert variants, "A product needs at least one variant; pass the simple product's one variant in `variants`."
    if slug is None:
        slug = unique_slug(Product.objects.all(), name, max_length=PRODUCT_SLUG_MAX_LENGTH, fallback="product")
    else:
        check_slug_free(Product.objects.all(), slug, noun="product")
    variants = [variant if "sku" in variant else {**variant, "sku": _sku_from(slug)} for variant in variants]
    try:
        with transaction.atomic():
            product = Product.objects.create(name=name, slug=slug, category=category, **fields)
            if tags:
                product.tags.set(_tags_for(tags))
            for variant in variants:
                variant_create(product=product, actor=actor, **variant)
    except IntegrityError:
        _explain_integrity_error(slug=slug, skus=[v["sku"] for v in variants])
        raise
    return product


def product_update(
    *,
    product: Product,
    actor=None,
    slug: str | None = None,
    tags: Sequence[str] | None = None,
    variants: Sequence[VariantFields] | None = None,
    replace_variants: bool = False,
    **fields: Any,
) -> Product:
    """
    Change the given fields. `variants` entries change the variant named by `id` (or by its SKU)
    and add the others; with `replace_variants` (PUT), variants left out are deactivated.
    """
    if slug is not None and slug != product.slug:
        check_slug_free(Product.objects.all(), slug, exclude_pk=product.pk, noun="product")
        fields["slug"] = slug
    try:
        with transaction.atomic():
            product = Product.objects.select_for_update().get(pk=product.pk)
            for field, value in fields.items():
                setattr(product, field, value)
            product.save()
            if tags is not None:
                product.tags.set(_tags_for(tags))
            if variants is not None:
                _variants_merge(product=product, variants=variants, actor=actor, replace=replace_variants)
    except IntegrityError:
        skus = [variant["sku"] for variant in variants or () if "sku" in variant]
        _explain_integrity_error(slug=fields.get("slug"), skus=skus)
        raise
    return product


def product_delete(*, product: Product, actor=None) -> bool:
    """
    Remove a product never ordered, with its stock movements and images; deactivate one that
    was, because its orders still name its variants. Returns True when the product was removed.
    """
    with transaction.atomic():
        variant_ids = list(product.variants.values_list("pk", flat=True))
        if selectors.variants_have_orders(variant_ids=variant_ids):
            _product_deactivate(product)
            return False
        images = list(product.images.all())
        try:
            with transaction.atomic():
                StockMovement.objects.filter(variant_id__in=variant_ids).delete()
                product.delete()
        except ProtectedError:  # an order line made since the check
            _product_deactivate(product)
            return False
        image_files_delete_on_commit(images)
    return True


def _product_deactivate(product: Product) -> None:
    Product.objects.filter(pk=product.pk).update(is_active=False, updated_at=timezone.now())
    product.is_active = False


def _variants_merge(*, product: Product, variants: Sequence[VariantFields], actor, replace: bool) -> None:
    existing = {variant.pk: variant for variant in product.variants.all()}
    by_sku = {variant.sku.casefold(): variant for variant in existing.values()}
    kept: set[int] = set()
    for entry in variants:
        entry = dict(entry)
        variant_id = entry.pop("id", None)
        target = existing.get(variant_id) if variant_id is not None else by_sku.get(entry.get("sku", "").casefold())
        assert variant_id is None or target is not None, f"Variant {variant_id} is not one of {product.slug}'s."
        if target is None:
            kept.add(variant_create(product=product, actor=actor, **entry).pk)
        else:
            kept.add(variant_update(variant=target, actor=actor, **entry).pk)
    if replace:
        _variants_deactivate(ProductVariant.objects.filter(product=product).exclude(pk__in=kept))


def _sku_from(slug: str) -> str:
    """A SKU for a simple product created without one: its slug in capitals, made unique."""
    base = slug.upper()[:56].strip("-")
    taken = {sku.upper() for sku in ProductVariant.objects.filter(sku__istartswith=base).values_list("sku", flat=True)}
    sku, n = base, 1
    while sku in taken:
        n += 1
        sku = f"{base}-{n}"
    return sku


def _tags_for(names: Sequence[str]) -> list[Tag]:
    """The tags with these names (matched by slug, so "USB C" finds "usb-c"), created when missing."""
    wanted = {slugify(name): name.strip() for name in names if slugify(name)}
    if not wanted:
        return []
    Tag.objects.bulk_create(
        [Tag(name=name, slug=slug) for slug, name in wanted.items()],
        ignore_conflicts=True,  # the ones that exist already
    )
    return list(Tag.objects.filter(Q(slug__in=wanted) | Q(name__in=wanted.values())))


def _explain_integrity_error(*, slug: str | None, skus: Sequence[str]) -> None:
    """A concurrent request took a slug or SKU between the checks and the insert: say which, as a 400."""
    if slug and Product.objects.filter(slug=slug).exists():
        raise slug_error("A product with this slug already exists.", "unique") from None
    taken = ProductVariant.objects.alias(sku_lower=Lower("sku")).filter(sku_lower__in=[sku.lower() for sku in skus])
    taken = taken.values_list("sku", flat=True)
    if taken:
        message = f"SKU already in use: {', '.join(sorted(taken))}."
        raise ValidationError({"sku": [ErrorDetail(message, code="unique")]}) from None
