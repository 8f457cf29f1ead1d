"""Store settings and shipping zones: public reads, staff writes, and changes that apply at once."""

from decimal import Decimal

import pytest

from core.models import ShippingZone, StoreSettings
from core.store import store_config
from core.testing import error_attrs, error_codes

pytestmark = pytest.mark.django_db

SETTINGS_FIELDS = {
    "name", "currency", "contact_email", "contact_phone", "address", "tax_rate", "prices_include_tax",
    "shipping_flat_fee", "free_shipping_threshold", "payment_methods", "max_quantity_per_line",
    "reservation_minutes", "repair_warranty_days",
}  # fmt: skip


def test_anyone_reads_the_store_settings_with_kenyan_defaults(api):
    body = api.get("/api/v1/store/settings").json()

    assert set(body) == SETTINGS_FIELDS
    assert body["currency"] == "KES"
    assert body["tax_rate"] == "16.00"
    assert body["prices_include_tax"] is True
    assert body["payment_methods"] == ["mpesa", "card", "cod"]
    assert body["max_quantity_per_line"] == 10
    assert body["reservation_minutes"] == 15
    assert body["repair_warranty_days"] == 90


def test_staff_change_settings_and_the_next_read_sees_it(staff_api, api):
    api.get("/api/v1/store/settings")  # cached now
    response = staff_api.patch(
        "/api/v1/store/settings",
        {"name": "Duka Electronics", "currency": "kes", "payment_methods": ["mpesa", "cod", "mpesa"]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["currency"] == "KES"
    assert response.json()["payment_methods"] == ["mpesa", "cod"]
    assert api.get("/api/v1/store/settings").json()["name"] == "Duka Electronics"
    assert store_config().name == "Duka Electronics"
    assert store_config().payment_methods == ("mpesa", "cod")


def test_staff_set_the_repair_warranty_and_the_store_config_carries_it(staff_api):
    response = staff_api.patch("/api/v1/store/settings", {"repair_warranty_days": 180}, format="json")

    assert response.status_code == 200
    assert response.json()["repair_warranty_days"] == 180
    assert StoreSettings.objects.get().repair_warranty_days == 180
    assert store_config().repair_warranty_days == 180


def test_a_change_made_in_the_admin_model_also_drops_the_cached_copy(django_capture_on_commit_callbacks):
    assert store_config().reservation_minutes == 15
    with django_capture_on_commit_callbacks(execute=True):
        record = StoreSettings.objects.get()
        record.reservation_minutes = 30
        record.save()

    assert store_config().reservation_minutes == 30


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tax_rate", "101"),
        ("tax_rate", "-1"),
        ("tax_rate", "NaN"),
        ("shipping_flat_fee", "-5"),
        ("shipping_flat_fee", "1e20"),
        ("currency", "KSHS"),
        ("payment_methods", []),
        ("payment_methods", ["bitcoin"]),
        ("payment_methods", "mpesa"),
        ("max_quantity_per_line", 0),
        ("max_quantity_per_line", "lots"),
        ("reservation_minutes", 100000),
        ("repair_warranty_days", -1),
        ("repair_warranty_days", 3651),
        ("contact_email", "not-an-email"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(staff_api, field, value):
    response = staff_api.patch("/api/v1/store/settings", {field: value}, format="json")

    assert response.status_code == 400
    assert error_attrs(response)[0].startswith(field)
    default = StoreSettings()
    assert getattr(StoreSettings.objects.get(), field) == getattr(default, field)


def test_malformed_json_is_a_400(staff_api):
    response = staff_api.generic("PATCH", "/api/v1/store/settings", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert error_codes(response) == ["parse_error"]


def test_customers_and_anonymous_callers_cannot_change_settings(api, customer_api):
    assert api.patch("/api/v1/store/settings", {"name": "Mine"}, format="json").status_code == 401
    assert customer_api.patch("/api/v1/store/settings", {"name": "Mine"}, format="json").status_code == 403
    assert StoreSettings.objects.get().name == "Duka"


def test_free_shipping_can_be_switched_off_with_null(staff_api):
    response = staff_api.patch("/api/v1/store/settings", {"free_shipping_threshold": None}, format="json")

    assert response.json()["free_shipping_threshold"] is None
    assert store_config().free_shipping_threshold is None


# --- Shipping zones ---------------------------------------------------------------------------


def test_staff_create_a_zone_with_counties_in_their_canonical_spelling(staff_api, api):
    response = staff_api.post(
        "/api/v1/store/shipping-zones",
        {"name": "Nairobi metro", "counties": ["nairobi county", "Kiambu", "KIAMBU"], "fee": "200"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json() == {"id": response.json()["id"], "name": "Nairobi metro", "counties": ["Nairobi", "Kiambu"],
                               "fee": "200.00"}  # fmt: skip
    assert api.get("/api/v1/store/shipping-zones").json() == [response.json()]


def test_the_zone_fee_applies_to_its_counties_and_the_flat_fee_elsewhere(staff_api):
    staff_api.post("/api/v1/store/shipping-zones", {"name": "Coast", "counties": ["Mombasa"], "fee": "450"},
                   format="json")  # fmt: skip

    config = store_config()
    assert config.zone_fee("Mombasa") == Decimal("450.00")
    assert config.zone_fee("mombasa") == Decimal("450.00")
    assert config.zone_fee("Nairobi") == config.shipping_flat_fee == Decimal("300.00")
    assert config.zone_fee(None) == Decimal("300.00")


def test_a_county_cannot_be_in_two_zones(staff_api):
    staff_api.post("/api/v1/store/shipping-zones", {"name": "Coast", "counties": ["Mombasa"], "fee": "450"},
                   format="json")  # fmt: skip

    response = staff_api.post(
        "/api/v1/store/shipping-zones", {"name": "Islands", "counties": ["Lamu", "Mombasa"], "fee": "900"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 400
    assert error_attrs(response) == ["counties"]
    assert "Mombasa (Coast)" in response.json()["errors"][0]["detail"]
    assert ShippingZone.objects.count() == 1


def test_a_zone_may_keep_its_own_counties_when_changed(staff_api):
    zone = staff_api.post("/api/v1/store/shipping-zones", {"name": "Coast", "counties": ["Mombasa"], "fee": "450"},
                          format="json").json()  # fmt: skip

    response = staff_api.patch(
        f"/api/v1/store/shipping-zones/{zone['id']}", {"counties": ["Mombasa", "Kilifi"], "fee": "500"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["counties"] == ["Mombasa", "Kilifi"]
    assert store_config().zone_fee("Kilifi") == Decimal("500.00")


@pytest.mark.parametrize("name", ["Coast", "coast", "COAST"])
def test_a_second_zone_with_a_name_already_taken_is_refused_in_any_case(staff_api, name):
    staff_api.post("/api/v1/store/shipping-zones", {"name": "Coast", "counties": ["Mombasa"], "fee": "450"},
                   format="json")  # fmt: skip

    response = staff_api.post(
        "/api/v1/store/shipping-zones", {"name": name, "counties": ["Kilifi"], "fee": "500"}, format="json"
    )

    assert response.status_code == 400
    assert (error_attrs(response), error_codes(response)) == (["name"], ["unique"])
    assert list(ShippingZone.objects.values_list("name", flat=True)) == ["Coast"]


def test_renaming_a_zone_to_another_zones_name_is_refused(staff_api):
    for name, county in (("Coast", "Mombasa"), ("Rift", "Nakuru")):
        staff_api.post("/api/v1/store/shipping-zones", {"name": name, "counties": [county], "fee": "450"},
                       format="json")  # fmt: skip
    rift = ShippingZone.objects.get(name="Rift")

    response = staff_api.patch(f"/api/v1/store/shipping-zones/{rift.pk}", {"name": "COAST"}, format="json")

    assert response.status_code == 400
    assert (error_attrs(response), error_codes(response)) == (["name"], ["unique"])
    rift.refresh_from_db()
    assert rift.name == "Rift"


def test_a_zone_may_change_the_case_of_its_own_name(staff_api):
    zone = staff_api.post("/api/v1/store/shipping-zones", {"name": "coast", "counties": ["Mombasa"], "fee": "450"},
                          format="json").json()  # fmt: skip

    response = staff_api.put(
        f"/api/v1/store/shipping-zones/{zone['id']}", {"name": "Coast", "counties": ["Mombasa"], "fee": "450"},
        format="json",
    )  # fmt: skip

    assert response.status_code == 200
    assert response.json()["name"] == "Coast"


@pytest.mark.parametrize(
    "body",
    [
        {"name": "X", "counties": ["Atlantis"], "fee": "100"},
        {"name": "X", "counties": "Nairobi", "fee": "100"},
        {"name": "X", "counties": [["Nairobi"]], "fee": "100"},
        {"name": "X", "counties": ["Nairobi"], "fee": "-1"},
        {"name": "X", "counties": ["Nairobi"], "fee": "abc"},
        {"counties": ["Nairobi"], "fee": "100"},
    ],
)
def test_bad_zones_are_refused(staff_api, body):
    response = staff_api.post("/api/v1/store/shipping-zones", body, format="json")

    assert response.status_code == 400
    assert ShippingZone.objects.count() == 0


def test_deleting_a_zone_returns_its_counties_to_the_flat_fee(staff_api):
    zone = staff_api.post("/api/v1/store/shipping-zones", {"name": "Coast", "counties": ["Mombasa"], "fee": "450"},
                          format="json").json()  # fmt: skip

    assert staff_api.delete(f"/api/v1/store/shipping-zones/{zone['id']}").status_code == 204
    assert store_config().zone_fee("Mombasa") == Decimal("300.00")


def test_zone_writes_are_for_staff(api, customer_api):
    body = {"name": "Coast", "counties": ["Mombasa"], "fee": "450"}
    assert api.post("/api/v1/store/shipping-zones", body, format="json").status_code == 401
    assert customer_api.post("/api/v1/store/shipping-zones", body, format="json").status_code == 403
    assert api.get("/api/v1/store/shipping-zones/999").status_code == 404
    assert api.get("/api/v1/store/shipping-zones/99999999999999999999").status_code == 404
    assert api.get("/api/v1/store/shipping-zones/coast").status_code == 404


def test_the_admin_edits_the_one_settings_record_and_zones(client, staff_user):
    client.force_login(staff_user)

    assert client.get("/admin/core/storesettings/").status_code == 302
    assert client.get("/admin/core/storesettings/1/change/").status_code == 200
    response = client.post(
        "/admin/core/shippingzone/add/", {"name": "Coast", "counties": '["mombasa", "Atlantis"]', "fee": "450"}
    )
    assert response.status_code == 200  # the form again, with the error
    assert b"Not a county: Atlantis" in response.content
    client.post("/admin/core/shippingzone/add/", {"name": "Coast", "counties": '["mombasa"]', "fee": "450"})
    assert ShippingZone.objects.get().counties == ["Mombasa"]
