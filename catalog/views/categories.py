from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsStaffRole
from catalog import selectors
from catalog.models import Category
from catalog.serializers.categories import CategoryTreeSerializer, CategoryWriteSerializer
from catalog.services import categories as services
from core.openapi import conflict

CATEGORY_KEY = OpenApiParameter(
    "slug", str, OpenApiParameter.PATH, description="The category's slug, or its integer id."
)


class _CategoryPermissions:
    # Anyone reads the catalog; staff change it.

    def get_permissions(self):
        if self.request.method in SAFE_METHODS:
            return [AllowAny()]
        return [IsStaffRole()]


class CategoryListView(_CategoryPermissions, APIView):
    @extend_schema(
        tags=["categories"],
        summary="The whole category tree",
        description="Root categories, each nesting its subcategories to any depth, sorted by name. Not paginated.",
        responses={200: CategoryTreeSerializer(many=True)},
    )
    def get(self, request):
        roots = selectors.category_tree()
        return Response(CategoryTreeSerializer(roots, many=True, context={"request": request}).data)

    @extend_schema(tags=["categories"], request=CategoryWriteSerializer, responses={201: CategoryTreeSerializer})
    def post(self, request):
        serializer = CategoryWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        category = services.category_create(**serializer.validated_data)
        body = CategoryTreeSerializer(selectors.category_subtree(category=category), context={"request": request})
        return Response(body.data, status=status.HTTP_201_CREATED)


class CategoryDetailView(_CategoryPermissions, APIView):
    def get_category(self, key: str) -> Category:
        try:
            return selectors.category_get(key=key)
        except Category.DoesNotExist:
            raise NotFound("No such category.") from None

    def respond(self, request, category: Category) -> Response:
        subtree = selectors.category_subtree(category=category)
        return Response(CategoryTreeSerializer(subtree, context={"request": request}).data)

    @extend_schema(tags=["categories"], parameters=[CATEGORY_KEY], responses={200: CategoryTreeSerializer})
    def get(self, request, slug: str):
        return self.respond(request, self.get_category(slug))

    @extend_schema(
        tags=["categories"],
        parameters=[CATEGORY_KEY],
        request=CategoryWriteSerializer,
        responses={200: CategoryTreeSerializer},
        description="Change the given fields. A `parent` moves the category with its subtree; null makes it a root.",
    )
    def patch(self, request, slug: str):
        category = self.get_category(slug)
        serializer = CategoryWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        category = services.category_update(category=category, **serializer.validated_data)
        return self.respond(request, category)

    @extend_schema(
        tags=["categories"],
        parameters=[CATEGORY_KEY],
        request=None,
        responses={
            204: OpenApiResponse(description="Deleted, with its subcategories."),
            409: conflict("`category_in_use`: the category or a subcategory still holds products."),
        },
    )
    def delete(self, request, slug: str):
        services.category_delete(category=self.get_category(slug))
        return Response(status=status.HTTP_204_NO_CONTENT)
