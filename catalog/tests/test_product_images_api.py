from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import ProductImage
from catalog.tests.factories import VariantFactory, image_bytes, jpeg_with_exif
from core.testing import error_attrs, error_codes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def product():
    return VariantFactory().product


def upload(api, product, content: bytes, name: str = "photo.jpg", **fields):
    file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return api.post(f"/api/v1/products/{product.slug}/images", {"image": file, **fields}, format="multipart")


def stored(url: str, media_root: Path) -> Image.Image:
    assert url.startswith("http://testserver/media/"), url
    return Image.open(media_root / url.removeprefix("http://testserver/media/"))


def test_upload_stores_a_reencoded_image_without_exif_and_two_renditions(staff_api, product, media_root):
    response = upload(staff_api, product, jpeg_with_exif(), alt_text="Front view")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["width"], body["height"], body["alt_text"], body["is_primary"]) == (1600, 1200, "Front view", True)
    original = stored(body["url"], media_root)
    assert original.format == "JPEG"
    assert original.size == (1600, 1200)
    assert not original.getexif()
    assert "exif" not in original.info
    assert stored(body["medium_url"], media_root).size == (800, 600)
    assert stored(body["thumbnail_url"], media_root).size == (240, 180)


def test_upload_turns_the_image_upright_by_its_exif_orientation(staff_api, product, media_root):
    # Orientation 6: the camera was turned; the picture is shown rotated 90 degrees.
    response = upload(staff_api, product, jpeg_with_exif(size=(1600, 1200), orientation=6))

    body = response.json()
    assert (body["width"], body["height"]) == (1200, 1600)
    assert stored(body["url"], media_root).size == (1200, 1600)


@pytest.mark.parametrize(("image_format", "mode", "name"), [("PNG", "RGBA", "logo.png"), ("WEBP", "RGB", "a.webp")])
def test_png_and_webp_are_accepted_in_their_own_format(staff_api, product, media_root, image_format, mode, name):
    response = upload(staff_api, product, image_bytes(image_format, size=(300, 200), mode=mode), name=name)

    assert response.status_code == 201, response.content
    assert stored(response.json()["url"], media_root).format == image_format


def test_uploaded_image_shows_in_the_product_list_and_detail(staff_api, api, product):
    upload(staff_api, product, image_bytes())

    row = api.get("/api/v1/products").json()["results"][0]
    detail = api.get(f"/api/v1/products/{product.slug}").json()

    assert row["primary_image"]["thumbnail_url"] == detail["images"][0]["thumbnail_url"]
    assert detail["images"][0]["url"].startswith("http://testserver/media/products/")


def test_the_first_image_is_primary_and_is_primary_moves_the_mark(staff_api, product):
    first = upload(staff_api, product, image_bytes()).json()
    second = upload(staff_api, product, image_bytes()).json()
    third = upload(staff_api, product, image_bytes(), is_primary="true").json()

    assert (first["is_primary"], second["is_primary"], third["is_primary"]) == (True, False, True)
    assert list(ProductImage.objects.filter(is_primary=True).values_list("pk", flat=True)) == [third["id"]]


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"this is not an image at all", "photo.jpg"),
        (image_bytes("GIF", size=(10, 10), mode="P"), "anim.gif"),
        (image_bytes("BMP", size=(10, 10)), "old.bmp"),
        (image_bytes("TIFF", size=(10, 10)), "scan.tiff"),
        (image_bytes("JPEG")[:2000], "truncated.jpg"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "x.svg"),
        (b"", "empty.jpg"),
    ],
    ids=["text", "gif", "bmp", "tiff", "truncated", "svg", "empty"],
)
def test_anything_but_a_readable_jpeg_png_or_webp_is_invalid_image(staff_api, product, media_root, content, name):
    response = upload(staff_api, product, content, name=name)

    assert response.status_code == 400, response.content
    assert error_attrs(response) == ["image"]
    assert error_codes(response) in (["invalid_image"], ["empty"])
    assert not ProductImage.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_a_file_over_5_mb_is_image_too_large(staff_api, product):
    content = image_bytes("PNG", size=(16, 16)) + b"\0" * (5 * 1024 * 1024)

    response = upload(staff_api, product, content, name="big.png")

    assert response.status_code == 400
    assert (error_attrs(response), error_codes(response)) == (["image"], ["image_too_large"])


def test_an_image_just_under_5_mb_is_stored(staff_api, product):
    content = image_bytes("PNG", size=(16, 16))
    content += b"\0" * (5 * 1024 * 1024 - len(content))  # bytes after the image data, dropped on re-encoding

    response = upload(staff_api, product, content, name="padded.png")

    assert response.status_code == 201, response.content
    assert ProductImage.objects.count() == 1


def test_an_upload_over_10_mb_is_refused_unread_with_413(staff_api, product, media_root):
    content = image_bytes("PNG", size=(16, 16)) + b"\0" * (10 * 1024 * 1024)

    response = upload(staff_api, product, content, name="huge.png")

    assert response.status_code == 413
    assert response.json()["type"] == "client_error"
    assert (error_attrs(response), error_codes(response)) == ([None], ["request_too_large"])
    assert not ProductImage.objects.exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_an_upload_with_thousands_of_form_fields_is_a_400(staff_api, product, settings):
    fields = {f"field{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    response = staff_api.post(f"/api/v1/products/{product.slug}/images", fields, format="multipart")

    assert response.status_code == 400
    assert (error_attrs(response), error_codes(response)) == ([None], ["bad_request"])
    assert not ProductImage.objects.exists()


def test_a_decompression_bomb_is_refused_before_it_is_decoded(staff_api, product):
    # 50 megapixels of one colour: a few tens of kilobytes on the wire.
    content = image_bytes("PNG", size=(10_000, 5_000), mode="L", optimize=True)
    assert len(content) < 5 * 1024 * 1024

    response = upload(staff_api, product, content, name="bomb.png")

    assert response.status_code == 400
    assert error_codes(response) == ["image_too_large"]
    assert not ProductImage.objects.exists()


def test_missing_file_is_a_400(staff_api, product):
    response = staff_api.post(f"/api/v1/products/{product.slug}/images", {"alt_text": "x"}, format="multipart")

    assert response.status_code == 400
    assert error_attrs(response) == ["image"]


def test_json_body_is_refused_with_415(staff_api, product):
    response = staff_api.post(f"/api/v1/products/{product.slug}/images", {"image": "abc"}, format="json")

    assert response.status_code == 415
    assert error_codes(response) == ["unsupported_media_type"]


def test_customers_and_anonymous_callers_cannot_upload(api, customer_api, product):
    assert upload(customer_api, product, image_bytes()).status_code == 403
    assert upload(api, product, image_bytes()).status_code == 401
    assert not ProductImage.objects.exists()


def test_upload_to_unknown_product_is_404(staff_api):
    file = SimpleUploadedFile("a.jpg", image_bytes())
    response = staff_api.post("/api/v1/products/nope/images", {"image": file}, format="multipart")

    assert response.status_code == 404


def test_deleting_the_primary_image_removes_its_files_and_promotes_the_next(
    staff_api, product, media_root, django_capture_on_commit_callbacks
):
    first = upload(staff_api, product, image_bytes()).json()
    second = upload(staff_api, product, image_bytes()).json()
    files = [media_root / first[key].removeprefix("http://testserver/media/") for key in ("url", "medium_url",
             "thumbnail_url")]  # fmt: skip
    assert all(path.is_file() for path in files)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.delete(f"/api/v1/products/{product.slug}/images/{first['id']}")

    assert response.status_code == 204
    assert not any(path.exists() for path in files)
    assert ProductImage.objects.get().pk == second["id"]
    assert ProductImage.objects.get().is_primary


def test_image_of_another_product_answers_404(staff_api, product):
    other = VariantFactory().product
    image = upload(staff_api, other, image_bytes()).json()

    response = staff_api.delete(f"/api/v1/products/{product.slug}/images/{image['id']}")

    assert response.status_code == 404
    assert ProductImage.objects.filter(pk=image["id"]).exists()
