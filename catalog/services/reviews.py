"""
Product reviews: the writes, and the product's denormalised rating they keep right.

The rule "only a customer who bought it may review" is the orders app's to answer (catalog
does not know about orders): its view checks `orders.purchases.customer_bought` and raises
`NotPurchased` before calling `review_create`.

Every write recomputes `Product.rating_average` / `rating_count` from the visible reviews with
the product's row locked, so two reviews landing at the same moment cannot overwrite each
other's count (a read-modify-write without the lock would lose one).
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from accounts.models import User
from catalog.models import Product, Review
from core.exceptions import ConflictError

RATING_PLACES = Decimal("0.01")


class DuplicateReview(ConflictError):
    default_detail = "You have already reviewed this product."
    default_code = "duplicate_review"


class NotPurchased(PermissionDenied):
    default_detail = "Only customers with a paid order for this product can review it."
    default_code = "not_purchased"


# --- Reads --------------------------------------------------------------------------------------


# --- Writes -------------------------------------------------------------------------------------


def review_create(*, product: Product, user: User, rating: int, title: str = "", body: str = "") -> Review:
    """
    Record `user`'s review of `product` and fold it into the product's rating. The caller has
    checked the purchase (see the module docstring). A second review by the same customer is
    409 `duplicate_review`, also when both arrive at once and the unique constraint decides.
    """
    assert 1 <= rating <= 5, f"A rating is 1 to 5, got {rating!r}; validate it before calling review_create."
    try:
        with transaction.atomic():
            _product_lock(product.pk)
            if _already_reviewed(product=product, user=user):
                raise DuplicateReview()
            review = Review.objects.create(
                product=product, user=user, rating=rating, title=title, body=body, verified_purchase=True
            )
            _rating_recompute(product)
    except IntegrityError as exc:
        # Another request's review committed between the check and the insert (possible where the
        # lock is no lock, as on SQLite): the unique constraint has the last word.
        if _already_reviewed(product=product, user=user):
            raise DuplicateReview() from exc
        raise
    return review


def review_set_visibility(*, review: Review, is_visible: bool) -> Review:
    """Hide or show a review (staff moderation); the product's rating then counts only what shows."""
    with transaction.atomic():
        _product_lock(review.product_id)
        Review.objects.filter(pk=review.pk).update(is_visible=is_visible, updated_at=timezone.now())
        _rating_recompute(review.product)
    review.refresh_from_db(fields=["is_visible", "updated_at"])
    return review


def _already_reviewed(*, product: Product, user: User) -> bool:
    return Review.objects.filter(product=product, user=user).exists()


def _product_lock(product_id: int) -> None:
    # Every rating change of one product queues here, so each recount sees the others' rows.
    Product.objects.select_for_update().filter(pk=product_id).values_list("pk", flat=True).get()


def _rating_recompute(product: Product) -> None:
    """Count the visible reviews again (not `count + 1`), so a hidden, shown or raced review can never drift."""
    totals = Review.objects.filter(product_id=product.pk, is_visible=True).aggregate(
        count=Count("id"), points=Sum("rating")
    )
    count = totals["count"]
    # Decimal division, not the database's AVG: the same two places on SQLite and PostgreSQL.
    average = (Decimal(totals["points"]) / count).quantize(RATING_PLACES, ROUND_HALF_UP) if count else Decimal("0.00")
    Product.objects.filter(pk=product.pk).update(rating_average=average, rating_count=count)
    product.rating_average, product.rating_count = average, count
