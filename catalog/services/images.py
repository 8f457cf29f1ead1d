"""
Product images: validated by Pillow, re-encoded, resized, stored through Django's storage API.

An upload is never stored as sent. Decoding and re-encoding it drops EXIF (camera serial numbers,
GPS positions) and anything hidden after the image data; the pixel count is read from the header
and checked before decoding, so a small file that expands to gigabytes (a decompression bomb) is
refused without being decoded.
"""

import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from PIL import Image, ImageOps, UnidentifiedImageError
from rest_framework.exceptions import ValidationError

from catalog.models import Product, ProductImage

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
MEDIUM_SIZE = (800, 800)
THUMBNAIL_SIZE = (240, 240)


@dataclass(frozen=True)
class _Encoding:
    extension: str
    options: dict


# The formats accepted, each re-encoded in its own format.
_ENCODINGS = {
    "JPEG": _Encoding("jpg", {"quality": 85, "optimize": True, "progressive": True}),
    "PNG": _Encoding("png", {"optimize": True}),
    "WEBP": _Encoding("webp", {"quality": 85, "method": 4}),
}


class _ImageRejected(ValidationError):
    default_code = "invalid"

    def __init__(self, detail: str):
        # A field error, so the envelope says `attr: "image"` like any other bad field.
        super().__init__({"image": [detail]}, code=self.default_code)


class InvalidImage(_ImageRejected):
    default_code = "invalid_image"


class ImageTooLarge(_ImageRejected):
    default_code = "image_too_large"


@dataclass(frozen=True)
class _Renditions:
    image: bytes
    medium: bytes
    thumbnail: bytes
    width: int
    height: int
    extension: str


def _decode(upload: UploadedFile) -> Image.Image:
    """The upload's first frame, fully decoded and turned upright, after the size checks."""
    if upload.size is not None and upload.size > MAX_IMAGE_BYTES:
        raise ImageTooLarge(f"The file is {upload.size / 1024 / 1024:.1f} MB; at most 5 MB is accepted.")
    upload.seek(0)
    try:
        opened = Image.open(upload)
        if opened.format not in _ENCODINGS:
            raise InvalidImage(f"{opened.format or 'This'} images are not accepted; send JPEG, PNG or WebP.")
        width, height = opened.size
        if width * height > MAX_IMAGE_PIXELS:
            raise ImageTooLarge(f"The image is {width} x {height} pixels; at most 40 megapixels are accepted.")
        opened.load()
    except Image.DecompressionBombError:
        raise ImageTooLarge("The image has too many pixels; at most 40 megapixels are accepted.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise InvalidImage("The file is not a readable JPEG, PNG or WebP image.") from None
    upright = ImageOps.exif_transpose(opened)
    upright.format = opened.format
    return upright


def _encode(image: Image.Image, image_format: str) -> bytes:
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "transparency" in image.info or "A" in image.mode else "RGB")
    buffer = io.BytesIO()
    # No `exif=` and no `pnginfo=`: the new file carries pixels only.
    image.save(buffer, format=image_format, **_ENCODINGS[image_format].options)
    return buffer.getvalue()


def _renditions(upload: UploadedFile) -> _Renditions:
    image = _decode(upload)
    image_format = image.format
    medium, thumbnail = image.copy(), image.copy()
    medium.thumbnail(MEDIUM_SIZE, Image.Resampling.LANCZOS)
    thumbnail.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    return _Renditions(
        image=_encode(image, image_format),
        medium=_encode(medium, image_format),
        thumbnail=_encode(thumbnail, image_format),
        width=image.width,
        height=image.height,
        extension=_ENCODINGS[image_format].extension,
    )


def product_image_add(
    *, product: Product, upload: UploadedFile, alt_text: str = "", is_primary: bool = False
) -> ProductImage:
    """
    Store an uploaded image of `product` with its medium and thumbnail renditions. The first
    image of a product is its primary one; `is_primary` moves the mark to this one.
    """
    renditions = _renditions(upload)
    stem = f"{product.slug[:60]}-{uuid.uuid4().hex[:10]}"
    image = ProductImage(product=product, alt_text=alt_text, width=renditions.width, height=renditions.height)
    # Files first, then the row: the storage may be remote and must not be called under a lock.
    image.image.save(f"{stem}.{renditions.extension}", ContentFile(renditions.image), save=False)
    image.medium.save(f"{stem}-md.{renditions.extension}", ContentFile(renditions.medium), save=False)
    image.thumbnail.save(f"{stem}-th.{renditions.extension}", ContentFile(renditions.thumbnail), save=False)
    try:
        with transaction.atomic():
            # The product's row serialises uploads, so exactly one image ends up primary.
            Product.objects.select_for_update().filter(pk=product.pk).get()
            images = ProductImage.objects.filter(product=product)
            has_primary = images.filter(is_primary=True).exists()
            if is_primary and has_primary:
                images.filter(is_primary=True).update(is_primary=False)
            image.is_primary = is_primary or not has_primary
            image.position = (images.aggregate(last=Max("position"))["last"] or 0) + 1
            image.save()
    except BaseException:
        _image_files_delete(image)
        raise
    return image


def product_image_check(upload: UploadedFile) -> None:
    """Raise `InvalidImage` / `ImageTooLarge` for an upload `product_image_add` would refuse (for forms)."""
    _decode(upload)


def product_image_update(
    *, image: ProductImage, alt_text: str | None = None, is_primary: bool | None = None, position: int | None = None
) -> ProductImage:
    """Change an image's text or place; marking it primary takes the mark from the product's other image."""
    with transaction.atomic():
        Product.objects.select_for_update().filter(pk=image.product_id).get()
        if is_primary:
            ProductImage.objects.filter(product_id=image.product_id, is_primary=True).exclude(pk=image.pk).update(
                is_primary=False
            )
        given = {"alt_text": alt_text, "is_primary": is_primary, "position": position}
        given = {field: value for field, value in given.items() if value is not None}
        for field, value in given.items():
            setattr(image, field, value)
        if given:
            image.save(update_fields=list(given))
    return image


def product_image_delete(*, image: ProductImage) -> None:
    """Delete an image and its files; when it was the primary one, the next image takes its place."""
    with transaction.atomic():
        Product.objects.select_for_update().filter(pk=image.product_id).get()
        image.delete()
        if image.is_primary:
            successor = ProductImage.objects.filter(product_id=image.product_id).order_by("position", "id").first()
            if successor is not None:
                ProductImage.objects.filter(pk=successor.pk).update(is_primary=True)
        image_files_delete_on_commit([image])


def image_files_delete_on_commit(images: Iterable[ProductImage]) -> None:
    """Remove the images' files once the rows are gone for good (a rollback keeps them)."""
    images = list(images)
    transaction.on_commit(lambda: [_image_files_delete(image) for image in images])


def _image_files_delete(image: ProductImage) -> None:
    for field in (image.image, image.medium, image.thumbnail):
        if field:
            field.storage.delete(field.name)
