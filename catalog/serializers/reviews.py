from rest_framework import serializers

from catalog.models import Review

ANONYMOUS_AUTHOR = "Customer"


def author_name(user) -> str:
    """
    "Wanjiku K.": enough to show a real person wrote it, not enough to find them. A customer
    with no first name is "Customer" (a last initial alone reads like a typo).
    """
    first, last = user.first_name.strip(), user.last_name.strip()
    if not first:
        return ANONYMOUS_AUTHOR
    return f"{first} {last[0].upper()}." if last else first


class ReviewSerializer(serializers.ModelSerializer):
    """A review as the shop shows it: never the author's email or full name."""

    author_name = serializers.SerializerMethodField(help_text='First name and last initial, e.g. "Wanjiku K.".')

    class Meta:
        model = Review
        fields = ["id", "rating", "title", "body", "author_name", "verified_purchase", "created_at"]
        read_only_fields = fields

    def get_author_name(self, review: Review) -> str:
        return author_name(review.user)


class ReviewStaffSerializer(ReviewSerializer):
    """Staff also see whether a review is hidden."""

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "is_visible"]
        read_only_fields = fields


class ReviewCreateSerializer(serializers.Serializer):
    # IntegerField refuses true/false, "five" and 4.5 (only a whole 4.0 passes, as 4).
    rating = serializers.IntegerField(min_value=1, max_value=5, help_text="1 (poor) to 5 (excellent).")
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    body = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ReviewVisibilitySerializer(serializers.Serializer):
    is_visible = serializers.BooleanField(help_text="false hides the review from the shop and from the rating.")
