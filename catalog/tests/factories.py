import io
from decimal import Decimal

import factory
from PIL import Image

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


GPS_IFD = 0x8825
MAKE_TAG = 0x010F
ORIENTATION_TAG = 0x0112


def image_bytes(image_format: str = "JPEG", size=(1600, 1200), mode="RGB", **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color=(200, 30, 30) if mode == "RGB" else None).save(
        buffer, format=image_format, **save_options
    )
    return buffer.getvalue()


def jpeg_with_exif(size=(1600, 1200), orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[MAKE_TAG] = "SpyCam"
    exif[ORIENTATION_TAG] = orientation
    exif.get_ifd(GPS_IFD)[2] = (1.0, 17.0, 0.0)  # latitude
    return image_bytes("JPEG", size=size, exif=exif.tobytes())
