"""OPTIONS still describes what a route takes (core/metadata.py) while never looking anything up."""

import pytest

from catalog.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def test_options_describes_the_fields_a_post_takes(staff_api):
    response = staff_api.options("/api/v1/store/shipping-zones")

    assert response.status_code == 200
    assert set(response.json()["actions"]["POST"]) == {"id", "name", "counties", "fee"}
    assert response.json()["actions"]["POST"]["name"]["required"] is True


@pytest.mark.parametrize("key", ["existing", "0", "no-such-product"])
def test_options_on_a_product_describes_put_without_looking_the_product_up(staff_api, key):
    product = VariantFactory().product
    key = product.slug if key == "existing" else key

    with_put = staff_api.options(f"/api/v1/products/{key}")

    assert with_put.status_code == 200
    assert "PUT" in with_put.json()["actions"]


def test_options_shows_no_write_actions_to_callers_who_may_not_write(api):
    response = api.options("/api/v1/store/shipping-zones")

    assert response.status_code == 200
    assert "actions" not in response.json()
