from drf_spectacular.helpers import lazy_serializer
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Category


class CategoryTreeSerializer(serializers.ModelSerializer):
    """A category with its subcategories nested to any depth."""

    # Serializes nodes prepared by `selectors.category_tree` / `category_subtree`, which set
    # `tree_parent_id` and `tree_children` without further queries.

    image = serializers.ImageField(read_only=True, allow_null=True, help_text="Absolute URL, or null.")
    parent = serializers.IntegerField(source="tree_parent_id", read_only=True, allow_null=True,
                                      help_text="The parent category's id; null for a root.")  # fmt: skip
    children = serializers.SerializerMethodField(help_text="Subcategories, sorted by name.")

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description", "image", "parent", "children"]

    @extend_schema_field(lazy_serializer("catalog.serializers.categories.CategoryTreeSerializer")(many=True))
    def get_children(self, category: Category) -> list[dict]:
        return CategoryTreeSerializer(category.tree_children, many=True, context=self.context).data


class CategoryWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=140, required=False,
                                 help_text="Made from the name when left out (`phones`, `phones-2`, ...).")  # fmt: skip
    description = serializers.CharField(required=False, allow_blank=True, default="")
    parent = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False, allow_null=True, default=None,
                                      help_text="The parent category's id; null (or left out) for a root.")  # fmt: skip

    def validate_parent(self, value: int | None) -> Category | None:
        if value is None:
            return None
        try:
            return Category.objects.get(pk=value)
        except Category.DoesNotExist:
            raise serializers.ValidationError("No such category.", code="does_not_exist") from None
