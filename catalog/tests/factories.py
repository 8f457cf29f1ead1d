from decimal import Decimal

import factory

from catalog.models import Category, Product, ProductVariant


def make_category(name: str = "Phones", parent: Category | None = None) -> Category:
    slug = name.lower().replace(" ", "-")
    fields = {"name": name, "slug": slug}
    if parent is None:
        return Category.objects.add_root(fields)
    return Category.objects.add_child(parent, fields)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Phone model {n}")
    slug = factory.Sequence(lambda n: f"phone-model-{n}")
    brand = "Tecno"
    category = factory.LazyFunction(lambda: Category.objects.filter(slug="phones").first() or make_category())


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductVariant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = "Default"
    price = Decimal("15999.00")
    stock_quantity = 10
    reorder_point = 2
    reorder_quantity = 20
