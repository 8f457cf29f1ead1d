"""
A unique value two requests race for: the loser answers 400 from the checks or, when both passed
them, 409 from the database's constraint, in the envelope and naming the field; never a 500.
"""

import pytest
from rest_framework.test import APIClient

from cart.tests.factories import WishlistItemFactory
from catalog.models import Coupon, ProductVariant
from catalog.tests.factories import VariantFactory
from core.models import ShippingZone
from core.store import store_settings_record
from core.testing import authenticated_client, error_attrs, error_codes, run_at_once

THREADS = 6


@pytest.fixture
def unchecked(db):
    client = APIClient()

    def write(case: str):
        return client.post(f"/api/v1/test-only/unchecked/{case}")

    return write


@pytest.mark.urls("core.tests.urls_for_errors")
def test_a_unique_value_taken_past_the_checks_is_a_409_naming_the_field(unchecked):
    ShippingZone.objects.create(name="Coast", counties=["Mombasa"], fee=450)

    response = unchecked("zone-name")

    assert response.status_code == 409
    assert response.json()["type"] == "client_error"
    assert (error_codes(response), error_attrs(response)) == (["duplicate"], ["name"])
    assert ShippingZone.objects.count() == 1


@pytest.mark.urls("core.tests.urls_for_errors")
def test_a_case_insensitive_unique_index_names_its_field_too(unchecked, customer):
    response = unchecked("email-in-another-case")

    assert response.status_code == 409
    assert (error_codes(response), error_attrs(response)) == (["duplicate"], ["email"])


@pytest.mark.urls("core.tests.urls_for_errors")
def test_a_unique_combination_is_a_409_without_a_single_field(unchecked):
    WishlistItemFactory()

    response = unchecked("wishlist-row")

    assert response.status_code == 409
    assert (error_codes(response), error_attrs(response)) == (["duplicate"], [None])
    assert "user, product" in response.json()["errors"][0]["detail"]


@pytest.mark.urls("core.tests.urls_for_errors")
def test_a_check_constraint_refusing_a_write_is_a_409_conflict(unchecked):
    variant = VariantFactory(stock_quantity=3)

    response = unchecked("negative-stock")

    assert response.status_code == 409
    assert error_codes(response) == ["conflict"]
    variant.refresh_from_db()
    assert variant.stock_quantity == 3


# --- Real races, on PostgreSQL ------------------------------------------------------------------


def _post_at_once(user, url: str, bodies: list[dict]) -> list:
    """Each body POSTed by its own client on its own thread, released together; the responses in order."""

    def poster(body: dict):
        client = authenticated_client(user)
        client.raise_request_exception = False
        return lambda: client.post(url, body, format="json")

    return run_at_once([poster(body) for body in bodies])


def _one_created_the_rest_refused(responses: list, *, attr: str) -> None:
    for response in responses:
        if isinstance(response, BaseException):
            raise response
    statuses = sorted(response.status_code for response in responses)
    assert statuses[0] == 201 and all(status in (400, 409) for status in statuses[1:]), statuses
    for refused in (response for response in responses if response.status_code != 201):
        assert error_codes(refused) in (["unique"], ["duplicate"]), refused.content
        assert error_attrs(refused) == [attr]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_zones_created_at_once_with_one_name_make_one_zone(staff_user):
    store_settings_record()
    counties = ["Mombasa", "Kilifi", "Kwale", "Lamu", "Nakuru", "Kisumu"][:THREADS]
    names = ["Coast", "COAST"] * (THREADS // 2)
    bodies = [{"name": name, "counties": [county], "fee": "450"} for name, county in zip(names, counties, strict=True)]

    responses = _post_at_once(staff_user, "/api/v1/store/shipping-zones", bodies)

    _one_created_the_rest_refused(responses, attr="name")
    assert ShippingZone.objects.filter(name__iexact="coast").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_coupons_created_at_once_with_one_code_make_one_coupon(staff_user):
    bodies = [{"code": code, "kind": "percentage", "value": "10"} for code in ["karibu10", "KARIBU10"] * (THREADS // 2)]

    responses = _post_at_once(staff_user, "/api/v1/coupons", bodies)

    _one_created_the_rest_refused(responses, attr="code")
    assert Coupon.objects.filter(code="KARIBU10").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_variants_added_at_once_with_one_sku_make_one_variant(staff_user):
    product = VariantFactory(sku="PHONE-1").product
    body = {"sku": "PHONE-2", "price": "100.00", "stock_quantity": 3}

    responses = _post_at_once(staff_user, f"/api/v1/products/{product.slug}/variants", [body] * THREADS)

    _one_created_the_rest_refused(responses, attr="sku")
    assert ProductVariant.objects.filter(sku="PHONE-2").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_variants_added_at_once_with_one_sku_in_two_cases_make_one_variant(staff_user):
    product = VariantFactory(sku="PHONE-1").product
    bodies = [{"sku": sku, "price": "100.00", "stock_quantity": 3} for sku in ["phone-2", "PHONE-2"] * (THREADS // 2)]

    responses = _post_at_once(staff_user, f"/api/v1/products/{product.slug}/variants", bodies)

    _one_created_the_rest_refused(responses, attr="sku")
    assert ProductVariant.objects.filter(sku__iexact="phone-2").count() == 1
