import re
from datetime import timedelta
from decimal import Decimal

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import (
    Category,
    MovementReason,
    PriceHistory,
    Product,
    ProductImage,
    ProductVariant,
    Review,
    StockMovement,
)
from catalog.pricing import product_sellable_q, variant_sellable_q


def inventory_variant_list() -> QuerySet[ProductVariant]:
    return (
        ProductVariant.objects.select_related("product")
        .annotate(available_units=F("stock_quantity") - F("reserved_quantity"))
        .order_by("product__name", "sku")
    )


def stock_movement_list() -> QuerySet[StockMovement]:
    return StockMovement.objects.select_related("variant", "actor")


SOLD_REASONS = [MovementReason.SALE, MovementReason.REPAIR]  # units that left the shelf to a customer
COVER_DAYS_WANTED = 14  # suggest reordering when fewer days of sales are left on the shelf
VELOCITY_WINDOW_DAYS = 30


def reorder_suggestions(*, now=None) -> list[dict]:
    """
    Variants still sold at or below their reorder point, or with under 14 days of cover at the last 30 days'
    sales rate, with how much to order to get back to a month of cover (never less than the
    variant's reorder quantity). One query, whatever the catalog size.
    """
    now = now or timezone.now()
    since = now - timedelta(days=VELOCITY_WINDOW_DAYS)
    rows = (
        ProductVariant.objects.filter(variant_sellable_q())  # no restocking what the shop no longer sells
        .annotate(
            avail=F("stock_quantity") - F("reserved_quantity"),
            sold_30d=Coalesce(
                -Sum(
                    "movements__delta",
                    # Parts used in repairs leave the shelf as sales do (a repair's reservations move no units).
                    filter=Q(movements__reason__in=SOLD_REASONS, movements__created_at__gte=since),
                ),
                0,
            ),
        )
        # available / (sold / 30) < 14  <=>  available * 30 < 14 * sold: integers, no division by zero.
        .alias(
            avail_scaled=F("avail") * VELOCITY_WINDOW_DAYS,
            sold_scaled=F("sold_30d") * COVER_DAYS_WANTED,
        )
        .filter(Q(avail__lte=F("reorder_point")) | Q(avail_scaled__lt=F("sold_scaled")))
        .order_by("avail", "sku")
        .values("id", "sku", "avail", "sold_30d", "reorder_point", "reorder_quantity")
    )
    suggestions = []
    for row in rows:
        daily = Decimal(row["sold_30d"]) / VELOCITY_WINDOW_DAYS
        days_of_cover = (Decimal(max(row["avail"], 0)) / daily).quantize(Decimal("0.1")) if daily else None
        # A month of cover is the last 30 days' sales, plus the reorder point's safety stock.
        month_of_cover = row["sold_30d"] + row["reorder_point"] - row["avail"]
        suggestions.append(
            {
                "variant_id": row["id"],
                "sku": row["sku"],
                "available": row["avail"],
                "avg_daily_sales_30d": daily.quantize(Decimal("0.01")),
                "days_of_cover": days_of_cover,
                "suggested_quantity": max(row["reorder_quantity"], month_of_cover),
            }
        )
    return suggestions


def _with_card_fields(products: QuerySet[Product]) -> QuerySet[Product]:
    """What a product card needs (lowest active price, in stock, primary image), in a constant number of queries."""
    # The variants' own flag, not `variant_sellable_q`: staff see an inactive product's prices too.
    # In the public lists (sellable products only) these are exactly the sellable variants.
    active_variants = ProductVariant.objects.filter(product=OuterRef("pk"), is_active=True)
    return (
        products.select_related("category")
        .annotate(
            min_price=Subquery(active_variants.order_by("price").values("price")[:1]),
            in_stock=Exists(active_variants.filter(stock_quantity__gt=F("reserved_quantity"))),
        )
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.filter(is_primary=True), to_attr="primary_images")
        )
    )


def product_list_queryset() -> QuerySet[Product]:
    """Active products with what a list row needs."""
    return _with_card_fields(Product.objects.filter(product_sellable_q()))


def product_detail_queryset() -> QuerySet[Product]:
    return product_list_queryset().prefetch_related(
        "tags",
        "images",
        Prefetch(
            "variants",
            queryset=ProductVariant.objects.filter(variant_sellable_q()).order_by("price", "id"),
            to_attr="active_variants",
        ),
    )


def product_staff_detail_queryset() -> QuerySet[Product]:
    """Every product, active or not, with all its variants (`all_variants`) and their stock."""
    return _with_card_fields(Product.objects.all()).prefetch_related(
        "tags",
        "images",
        Prefetch(
            "variants", queryset=ProductVariant.objects.order_by("-is_active", "price", "id"), to_attr="all_variants"
        ),
    )


def _product_key_lookup(key: str) -> dict:
    # Slugs are never all digits (`core.slugs`), so a number is an id.
    return {"pk": int(key)} if key.isascii() and key.isdigit() else {"slug": key}


def product_get(*, key: str, include_inactive: bool = False) -> Product:
    """A product by slug or id; inactive ones only for staff (`include_inactive`)."""
    products = product_staff_detail_queryset() if include_inactive else product_detail_queryset()
    return products.get(**_product_key_lookup(key))


def variants_have_orders(*, variant_ids: list[int]) -> bool:
    """
    Whether any order (or repair) ever took these variants. Every order and repair reserves its
    stock through `catalog.inventory`, whose movements carry the order's or repair's id, so the
    movements tell.
    """
    taken = Q(order_id__isnull=False) | Q(repair_id__isnull=False)
    return StockMovement.objects.filter(taken, variant_id__in=variant_ids).exists() or (
        ProductVariant.objects.filter(pk__in=variant_ids, reserved_quantity__gt=0).exists()
    )


def price_history_list(*, product: Product) -> QuerySet[PriceHistory]:
    return PriceHistory.objects.filter(variant__product=product).select_related("variant", "changed_by")


def _category_nest(nodes: list[Category]) -> list[Category]:
    """
    Give each node `tree_children` (sorted by name) and `tree_parent_id` from the nodes' paths, and
    return the nodes whose parent is not among them. `nodes` must be ordered by path.
    """
    by_path: dict[str, Category] = {}
    tops: list[Category] = []
    for node in nodes:
        node.tree_children = []
        parent = by_path.get(node.path[: -node.steplen])
        if parent is None:
            node.tree_parent_id = None
            tops.append(node)
        else:
            node.tree_parent_id = parent.pk
            parent.tree_children.append(node)
        by_path[node.path] = node

    def by_name(node: Category) -> tuple[str, str, int]:
        return node.name.casefold(), node.name, node.pk

    for node in nodes:
        node.tree_children.sort(key=by_name)
    tops.sort(key=by_name)
    return tops


def category_tree() -> list[Category]:
    """The root categories, each nesting its subtree (see `_category_nest`): one query, whatever the tree's size."""
    return _category_nest(list(Category.objects.order_by("path")))


def category_get(*, key: str) -> Category:
    """A category by slug, or by id when the key is a number (category slugs are never all digits)."""
    lookup = {"pk": int(key)} if key.isascii() and key.isdigit() else {"slug": key}
    return Category.objects.get(**lookup)


def category_subtree(*, category: Category) -> Category:
    """`category` reloaded with its subtree nested as in `category_tree`, and its parent's id."""
    nodes = list(Category.objects.filter(path__startswith=category.path).order_by("path"))
    (top,) = _category_nest(nodes)
    if top.depth > 1:
        parent_path = top.path[: -top.steplen]
        top.tree_parent_id = Category.objects.filter(path=parent_path).values_list("pk", flat=True).get()
    return top


SEARCH_MAX_WORDS = 10
SEARCH_MAX_LENGTH = 200
# Letters and digits only: everything else (quotes, tsquery operators, NUL) separates words, so
# no search text can break the query.
_SEARCH_WORD = re.compile(r"[^\W_]+")


def search_words(text: str) -> list[str]:
    return _SEARCH_WORD.findall(text[:SEARCH_MAX_LENGTH])[:SEARCH_MAX_WORDS]


def product_search(products: QuerySet[Product], *, text: str) -> QuerySet[Product]:
    """
    Products matching every word of `text` in their name, brand, SKUs, tags or description,
    each word also as a prefix ("sams" finds Samsung), annotated with `search_rank` (higher is
    better). PostgreSQL uses the full-text index; other databases match substrings.
    """
    words = search_words(text)
    if not words:
        return products
    if connection.vendor == "postgresql":
        query = SearchQuery(" & ".join(f"{word}:*" for word in words), search_type="raw", config="simple")
        return products.filter(search_vector=query).annotate(search_rank=SearchRank(F("search_vector"), query))
    return _product_search_portable(products, words)


def _product_search_portable(products: QuerySet[Product], words: list[str]) -> QuerySet[Product]:
    rank = Value(0)
    for word in words:
        by_sku = ProductVariant.objects.filter(product=OuterRef("pk"), sku__icontains=word)
        by_tag = Product.tags.through.objects.filter(product=OuterRef("pk"), tag__name__icontains=word)
        in_name = Q(name__icontains=word) | Q(brand__icontains=word)
        products = products.filter(in_name | Exists(by_sku) | Exists(by_tag) | Q(description__icontains=word))
        # Like the weights on PostgreSQL: a word in the name counts more than one in the description.
        rank = rank + Case(When(in_name, then=Value(2)), default=Value(1))
    return products.annotate(search_rank=rank)


def review_list(*, product: Product, include_hidden: bool = False) -> QuerySet[Review]:
    """A product's reviews, newest first, with their authors; hidden ones only for staff (`include_hidden`)."""
    reviews = Review.objects.filter(product=product).select_related("user").order_by("-created_at", "-id")
    return reviews if include_hidden else reviews.filter(is_visible=True)
