"""
The shared rules for query and path parameters (core/filters.py, core/pagination.py, the routes):
days from the year 1000 to 9999 and ranges that do not end before they start, ids that fit the
database, unknown orderings ignored alike by every list, pages and page sizes out of range, and
path segments that cannot name anything answering 404 before any lookup.
"""

import pytest

from accounts.tests.factories import UserFactory
from catalog.tests.factories import VariantFactory, make_category
from core.testing import error_attrs, error_codes

pytestmark = pytest.mark.django_db

# Every list with `date_from` / `date_to`, as the admin sees it.
DAY_RANGE_LISTS = ["/api/v1/events", "/api/v1/inventory/movements", "/api/v1/orders"]
# Lists with an `ordering` parameter, and one name each does know.
ORDERED_LISTS = {
    "/api/v1/events": "occurred_at",
    "/api/v1/inventory/movements": "created_at",
    "/api/v1/inventory/variants": "sku",
    "/api/v1/orders": "total",
    "/api/v1/products": "price",
    "/api/v1/users": "email",
    "/api/v1/coupons": "code",
    "/api/v1/promotions": "name",
}


def assert_refused(response, *, attr: str, code: str) -> None:
    assert response.status_code == 400, response.content
    assert response.json()["type"] == "validation_error"
    assert (error_attrs(response), error_codes(response)) == ([attr], [code])


@pytest.mark.parametrize("url", DAY_RANGE_LISTS)
def test_a_range_that_ends_before_it_starts_is_refused_on_date_to(admin_api, url):
    response = admin_api.get(f"{url}?date_from=2026-05-01&date_to=2026-01-01")

    assert_refused(response, attr="date_to", code="invalid_range")


@pytest.mark.parametrize("url", DAY_RANGE_LISTS)
@pytest.mark.parametrize(("query", "attr", "code"), [("date_from=0999-12-31", "date_from", "min_value"),
                                                      ("date_to=0001-01-01", "date_to", "min_value"),
                                                      ("date_from=10000-01-01", "date_from", "invalid"),
                                                      ("date_from=01/05/2026", "date_from", "invalid")])  # fmt: skip
def test_days_outside_the_years_1000_to_9999_or_not_iso_are_refused(admin_api, url, query, attr, code):
    assert_refused(admin_api.get(f"{url}?{query}"), attr=attr, code=code)


@pytest.mark.parametrize("url", DAY_RANGE_LISTS)
def test_the_first_and_last_days_accepted_answer_a_list(admin_api, url):
    response = admin_api.get(f"{url}?date_from=1000-01-01&date_to=9999-12-31")

    assert response.status_code == 200
    assert set(response.json()) == {"count", "next", "previous", "results"}


@pytest.mark.parametrize("value", ["-1e300", "99999999999999999999999", "0", "abc"])
def test_an_order_id_that_cannot_exist_is_refused_on_the_payments_list(admin_api, value):
    response = admin_api.get(f"/api/v1/payments?order_id={value}")

    assert response.status_code == 400
    assert error_attrs(response) == ["order_id"]


@pytest.mark.parametrize(("url", "known"), ORDERED_LISTS.items())
def test_an_unknown_ordering_is_ignored_by_every_list(admin_api, url, known):
    default = admin_api.get(url).json()["results"]

    for ordering in ("no_such_field", "-no_such_field", "password", f"{known}__year", ",,"):
        response = admin_api.get(f"{url}?ordering={ordering}")
        assert response.status_code == 200, (ordering, response.content)
        assert response.json()["results"] == default, ordering
    assert admin_api.get(f"{url}?ordering=-{known}").status_code == 200


@pytest.fixture
def users_25():
    return UserFactory.create_batch(24)


@pytest.mark.parametrize(("page_size", "rows"), [("abc", 20), ("-1", 20), ("0", 20), ("10", 10),
                                                  ("99999999999999999999999", 25)])  # fmt: skip
def test_page_sizes_that_are_not_positive_numbers_fall_back_and_huge_ones_are_capped(
    admin_api, users_25, page_size, rows
):
    response = admin_api.get(f"/api/v1/users?page_size={page_size}")

    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("page", ["2", "99999999999999999999999", "0", "-1", "abc"])
def test_a_page_that_does_not_exist_is_a_404_envelope(admin_api, page):
    response = admin_api.get(f"/api/v1/users?page={page}")

    assert response.status_code == 404
    assert response.json()["type"] == "client_error"
    assert error_codes(response) == ["not_found"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/products/99999999999999999999999",
        "/api/v1/products/9223372036854775808/reviews",
        "/api/v1/products/%00",
        "/api/v1/products/%00/reviews",
        "/api/v1/products/%ED%A0%80/recommendations",
        "/api/v1/products/caf%C3%A9",
        "/api/v1/categories/%00",
        "/api/v1/categories/99999999999999999999999",
        "/api/v1/coupons/99999999999999999999999",
        "/api/v1/coupons/1.5",
        "/api/v1/orders/99999999999999999999999",
        "/api/v1/users/99999999999999999999999",
    ],
)
def test_path_ids_and_slugs_that_cannot_exist_answer_404(admin_api, path):
    VariantFactory()  # a product and a category to miss

    response = admin_api.get(path)

    assert response.status_code == 404, response.content
    assert error_codes(response) == ["not_found"]


def test_slugs_and_ids_still_find_what_exists(api):
    product = VariantFactory().product
    category = make_category("Laptops")

    assert api.get(f"/api/v1/products/{product.slug}").status_code == 200
    assert api.get(f"/api/v1/products/{product.pk}/reviews").status_code == 200
    assert api.get(f"/api/v1/categories/{category.slug}").status_code == 200
