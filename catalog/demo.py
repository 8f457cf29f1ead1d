"""
A believable electronics shop: phones, laptops, tablets, accessories and spare parts, with
variants, stock, generated images, two promotions and two coupons.

`seed_demo --products N` makes N products in all (bulk inserts, for benchmarks: 10,000 take
seconds). The first 200 get generated pictures; the rest are text-only. Running it again adds
only what is missing.
"""

import io
import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from catalog import inventory
from catalog.models import Category, Coupon, Product, ProductVariant, Promotion, Tag
from catalog.services.images import product_image_add

SKU_PREFIX = "DK"
PICTURED_PRODUCTS = 200

# name -> subcategories (name -> nothing); parents first.
CATEGORY_TREE: dict[str, list[str]] = {
    "Phones": ["Smartphones", "Feature phones"],
    "Laptops": [],
    "Tablets": [],
    "Accessories": ["Chargers & cables", "Audio", "Cases & screen protectors", "Power banks"],
    "Spare parts": ["Screens", "Batteries"],
}

SMARTPHONES = {
    # brand: [(model, base price in KES)]
    "Tecno": [("Spark 20", 15_999), ("Spark 20 Pro", 21_499), ("Camon 30", 32_999), ("Pova 6", 27_999)],
    "Infinix": [("Hot 40i", 14_499), ("Hot 40", 17_999), ("Note 40", 26_999), ("Zero 30", 38_999)],
    "Samsung": [("Galaxy A05", 13_999), ("Galaxy A15", 21_999), ("Galaxy A25", 29_999), ("Galaxy S24", 109_999)],
    "Xiaomi": [("Redmi 13C", 14_999), ("Redmi Note 13", 25_999), ("Poco X6", 36_999)],
    "Apple": [("iPhone 13", 84_999), ("iPhone 15", 124_999)],
    "Oppo": [("A18", 15_499), ("Reno 11", 52_999)],
}
FEATURE_PHONES = [
    ("Nokia", "105", 2_499),
    ("Nokia", "110 4G", 4_299),
    ("itel", "it2163", 1_899),
    ("Tecno", "T301", 2_199),
]
LAPTOPS = [
    ("HP", "ProBook 450 G10", 89_999), ("HP", "EliteBook 840 G8", 74_999), ("Dell", "Latitude 5440", 97_999),
    ("Lenovo", "ThinkPad E14", 92_999), ("Lenovo", "IdeaPad 3", 58_999), ("Apple", "MacBook Air M2", 154_999),
]  # fmt: skip
TABLETS = [("Samsung", "Galaxy Tab A9", 24_999), ("Lenovo", "Tab M10", 19_999), ("Apple", "iPad 10th gen", 64_999)]
CHARGERS = [
    ("Oraimo", "25W USB-C fast charger", 1_499), ("Anker", "20W USB-C charger", 2_299),
    ("Oraimo", "USB-C to USB-C cable 1 m", 599), ("Anker", "USB-C to Lightning cable 1 m", 1_899),
    ("Oraimo", "Dual-port car charger", 999),
]  # fmt: skip
AUDIO = [
    ("Oraimo", "FreePods 4 earbuds", 3_999), ("JBL", "Tune 520BT headphones", 6_499),
    ("Sony", "WH-CH520 headphones", 7_499), ("Oraimo", "Necklace 4 neckband", 1_799),
]  # fmt: skip
POWER_BANKS = [("Oraimo", "Traveller 10000 mAh power bank", 1_999), ("Anker", "PowerCore 20000 mAh", 5_499)]
COLOURS = ["Black", "Blue", "Green", "Silver", "Purple"]
CATEGORY_COLOURS = {
    "smartphones": (33, 150, 243), "feature-phones": (0, 137, 123), "laptops": (94, 53, 177),
    "tablets": (216, 27, 96), "chargers-cables": (245, 124, 0), "audio": (56, 142, 60),
    "cases-screen-protectors": (121, 85, 72), "power-banks": (251, 192, 45), "screens": (84, 110, 122),
    "batteries": (198, 40, 40),
}  # fmt: skip


@dataclass
class DemoProduct:
    name: str
    brand: str
    category: str  # a leaf category's slug
    description: str
    price: int
    specifications: dict = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    # (variant name, attributes, price); one entry makes a simple product
    variants: list[tuple[str, dict, int]] = field(default_factory=list)


def _catalog() -> list[DemoProduct]:
    """About 200 products, always the same ones in the same order."""
    products: list[DemoProduct] = []
    phone_models = [(brand, model, price) for brand, models in SMARTPHONES.items() for model, price in models]
    for brand, model, price in phone_models:
        variants = [
            (f"{storage} GB {colour}", {"storage": f"{storage} GB", "colour": colour}, price + extra)
            for storage, extra in ((128, 0), (256, round(price * 0.15, -2)))
            for colour in COLOURS[: 2 if price < 50_000 else 3]
        ]
        products.append(DemoProduct(
            f"{brand} {model}", brand, "smartphones", f"The {brand} {model}: dual SIM, 4G, all-day battery.", price,
            {"Network": "4G LTE", "SIM": "Dual", "Warranty": "12 months"}, ["Smartphone", "4G", brand], variants,
        ))  # fmt: skip
    for brand, model, price in FEATURE_PHONES:
        products.append(DemoProduct(f"{brand} {model}", brand, "feature-phones", f"A tough {brand} phone with a "
                                    "battery that lasts for days and FM radio.", price, {"SIM": "Dual"},
                                    ["Feature phone"]))  # fmt: skip
    for brand, model, price in LAPTOPS:
        variants = [(f"{ram} GB RAM / {ssd} GB SSD", {"ram": f"{ram} GB", "ssd": f"{ssd} GB"}, price + extra)
                    for ram, ssd, extra in ((8, 256, 0), (16, 512, 18_000))]  # fmt: skip
        products.append(DemoProduct(f"{brand} {model}", brand, "laptops", f"{brand} {model} for work and study.",
                                    price, {"Display": "14-15.6 inch FHD"}, ["Laptop", brand], variants))  # fmt: skip
    for brand, model, price in TABLETS:
        variants = [(f"{s} GB", {"storage": f"{s} GB"}, price + extra) for s, extra in ((64, 0), (128, 6_000))]
        products.append(DemoProduct(f"{brand} {model}", brand, "tablets", f"The {brand} {model} tablet.", price,
                                    {"Display": "10-11 inch"}, ["Tablet", brand], variants))  # fmt: skip
    for category, items, tag in (("chargers-cables", CHARGERS, "Charging"), ("audio", AUDIO, "Audio"),
                                 ("power-banks", POWER_BANKS, "Power bank")):  # fmt: skip
        for brand, name, price in items:
            variants = [(colour, {"colour": colour}, price) for colour in ("Black", "White")]
            products.append(DemoProduct(f"{brand} {name}", brand, category, f"{brand} {name}, original with "
                                        "6 months warranty.", price, {}, [tag, "Accessory"], variants))  # fmt: skip
    for brand, model, price in phone_models:
        case_price = 499 if price < 50_000 else 1_499
        products += [
            DemoProduct(f"Silicone case for {brand} {model}", "Duka", "cases-screen-protectors",
                        f"A soft case that fits the {brand} {model} exactly.", case_price, {}, ["Case"],
                        [(colour, {"colour": colour}, case_price) for colour in ("Black", "Blue", "Clear")]),
            DemoProduct(f"Tempered glass for {brand} {model}", "Duka", "cases-screen-protectors",
                        f"9H tempered glass for the {brand} {model}.", 299, {}, ["Screen protector"]),
            DemoProduct(f"Screen replacement for {brand} {model}", brand, "screens",
                        f"Display assembly for the {brand} {model}; fitting at our repair desk.",
                        round(price * 0.3, -2), {"Compatible with": f"{brand} {model}"}, ["Spare part", "Screen"]),
            DemoProduct(f"Battery for {brand} {model}", brand, "batteries", f"Replacement battery for the {brand} "
                        f"{model}.", round(price * 0.08, -2), {"Compatible with": f"{brand} {model}"},
                        ["Spare part", "Battery"]),
        ]  # fmt: skip
    return products


def seed(*, command, options) -> None:
    wanted = max(0, options.get("products", 200))
    categories = _seed_categories()
    created = _seed_products(wanted=wanted, categories=categories, command=command)
    _seed_discounts()
    total = Product.objects.filter(variants__sku__startswith=f"{SKU_PREFIX}-").distinct().count()
    command.stdout.write(f"Catalog: {total} demo products ({created} new) in {len(categories)} categories.")


def _seed_categories() -> dict[str, Category]:
    by_slug = {category.slug: category for category in Category.objects.all()}
    for parent_name, children in CATEGORY_TREE.items():
        parent = by_slug.get(slugify(parent_name))
        if parent is None:
            parent = Category.objects.add_root({"name": parent_name, "slug": slugify(parent_name)})
            by_slug[parent.slug] = parent
        for child_name in children:
            if slugify(child_name) not in by_slug:
                child = Category.objects.add_child(parent, {"name": child_name, "slug": slugify(child_name)})
                by_slug[child.slug] = child
    return by_slug


def _seed_products(*, wanted: int, categories: dict[str, Category], command) -> int:
    """Create demo products number `existing` to `wanted - 1`, in bulk."""
    existing = Product.objects.filter(variants__sku__startswith=f"{SKU_PREFIX}-").distinct().count()
    if existing >= wanted:
        return 0
    catalog = _catalog()
    rng = random.Random(2026 + existing)
    taken = set(Product.objects.values_list("slug", flat=True))
    products, plans = [], []
    for number in range(existing, wanted):
        plan = catalog[number % len(catalog)]
        series = number // len(catalog)
        name = plan.name if series == 0 else f"{plan.name} (series {series + 1})"
        slug = slugify(name)
        if slug in taken:
            slug = f"{slug}-{number}"
        taken.add(slug)
        products.append(Product(
            name=name, slug=slug, brand=plan.brand, category=categories[plan.category], description=plan.description,
            specifications=plan.specifications, meta_description=plan.description[:160],
        ))  # fmt: skip
        plans.append((number, plan))
    products = Product.objects.bulk_create(products, batch_size=1000)

    tags = _tags({tag for _, plan in plans for tag in plan.tags})
    Product.tags.through.objects.bulk_create(
        [Product.tags.through(product_id=product.pk, tag_id=tags[tag].pk)
         for product, (_, plan) in zip(products, plans, strict=True) for tag in plan.tags],
        batch_size=2000,
    )  # fmt: skip

    variants = []
    for product, (number, plan) in zip(products, plans, strict=True):
        for index, (variant_name, attributes, price) in enumerate(plan.variants or [("", {}, plan.price)], start=1):
            stock = rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 40])
            variants.append(ProductVariant(
                product=product, sku=f"{SKU_PREFIX}-{number + 1:05d}-{index}", name=variant_name,
                attributes=attributes, price=Decimal(price), stock_quantity=stock, reorder_point=3,
                reorder_quantity=10 if price > 20_000 else 25,
            ))  # fmt: skip
    inventory.variants_create_with_opening_stock(variants, note="Demo opening stock")

    pictured = [(product, plan) for product, (number, plan) in zip(products, plans, strict=True)
                if number < PICTURED_PRODUCTS]  # fmt: skip
    for product, plan in pictured:
        product_image_add(product=product, upload=_picture(plan), alt_text=product.name)
    if pictured:
        command.stdout.write(f"  drew {len(pictured)} product pictures")
    return len(products)


def _tags(names: set[str]) -> dict[str, Tag]:
    Tag.objects.bulk_create([Tag(name=name, slug=slugify(name)) for name in names], ignore_conflicts=True)
    found = Tag.objects.filter(Q(name__in=names) | Q(slug__in=[slugify(name) for name in names]))
    by_slug = {tag.slug: tag for tag in found}
    return {name: by_slug[slugify(name)] for name in names}


def _picture(plan: DemoProduct) -> SimpleUploadedFile:
    """A product card: the category's colour, a device outline and the product's name."""
    colour = CATEGORY_COLOURS.get(plan.category, (96, 125, 139))
    image = Image.new("RGB", (800, 800), colour)
    draw = ImageDraw.Draw(image)
    tall = plan.category in ("smartphones", "feature-phones", "cases-screen-protectors", "screens", "batteries")
    box = (300, 120, 500, 520) if tall else (170, 200, 630, 500)
    draw.rounded_rectangle(box, radius=28, fill=(250, 250, 250), outline=(30, 30, 30), width=6)
    draw.rounded_rectangle((box[0] + 18, box[1] + 30, box[2] - 18, box[3] - 50), radius=10, fill=colour)
    font = ImageFont.load_default(size=40)
    small = ImageFont.load_default(size=30)
    draw.text((400, 600), plan.brand, fill="white", font=small, anchor="mm")
    draw.text((400, 660), plan.name[:32], fill="white", font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return SimpleUploadedFile(f"{slugify(plan.name)}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _seed_discounts() -> None:
    now = timezone.now()
    if not Promotion.objects.filter(name="Accessories week").exists():
        accessories = Category.objects.get(slug="accessories")
        promotion = Promotion.objects.create(
            name="Accessories week",
            kind="percentage",
            value=Decimal("10"),
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=30),
        )
        promotion.categories.add(accessories)
    if not Promotion.objects.filter(name="Galaxy deal").exists():
        promotion = Promotion.objects.create(name="Galaxy deal", kind="fixed", value=Decimal("1500"))
        promotion.products.add(*Product.objects.filter(name__startswith="Samsung Galaxy A"))
    Coupon.objects.get_or_create(code="KARIBU10", defaults={"kind": "percentage", "value": Decimal("10"),
                                 "min_subtotal": Decimal("1000"), "max_uses_per_customer": 1})  # fmt: skip
    Coupon.objects.get_or_create(code="WELCOME500", defaults={"kind": "fixed", "value": Decimal("500"),
                                 "min_subtotal": Decimal("5000"), "max_uses": 1000,
                                 "ends_at": now + timedelta(days=90)})  # fmt: skip
