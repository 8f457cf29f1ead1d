"""
A signed-in user's delivery addresses: `CRUD addresses` in API.md's Accounts section, with one
default address per user and Kenyan counties spelled one way.
"""

import pytest

from accounts.models import Address
from accounts.tests.factories import AddressFactory, UserFactory
from core.testing import authenticated_client, error_attrs

ADDRESSES_URL = "/api/v1/addresses"

ADDRESS_FIELDS = {
    "id", "label", "full_name", "phone", "line1", "line2", "city", "county", "postal_code", "country",
    "is_default",
}  # fmt: skip
REQUIRED_FIELDS = ["full_name", "phone", "line1", "city", "county"]


def address_url(address_id: int) -> str:
    return f"{ADDRESSES_URL}/{address_id}"


def new_address(**overrides) -> dict:
    body = {
        "label": "Home",
        "full_name": "Wanjiku Kariuki",
        "phone": "0712 345 678",
        "line1": "Moi Avenue 14, 3rd floor",
        "city": "Nairobi",
        "county": "Nairobi",
        "postal_code": "00100",
    }
    body.update(overrides)
    return body


def default_ids(user) -> list[int]:
    return list(Address.objects.filter(user=user, is_default=True).values_list("id", flat=True))


# --- create ----------------------------------------------------------------------------------


def test_create_address_answers_201_with_the_address(customer_api):
    response = customer_api.post(ADDRESSES_URL, new_address())

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == ADDRESS_FIELDS
    assert body["full_name"] == "Wanjiku Kariuki"
    assert body["line1"] == "Moi Avenue 14, 3rd floor"


def test_create_address_belongs_to_the_signed_in_user(customer, customer_api):
    address_id = customer_api.post(ADDRESSES_URL, new_address()).json()["id"]

    assert Address.objects.get(pk=address_id).user == customer


def test_create_address_defaults_the_country_to_kenya(customer_api):
    response = customer_api.post(ADDRESSES_URL, new_address())

    assert response.json()["country"] == "KE"


def test_create_address_normalises_the_phone(customer_api):
    response = customer_api.post(ADDRESSES_URL, new_address(phone="+254 712 345 678"))

    assert response.json()["phone"] == "254712345678"


def test_create_address_rejects_an_invalid_phone(customer, customer_api):
    response = customer_api.post(ADDRESSES_URL, new_address(phone="0712"))

    assert response.status_code == 400
    assert error_attrs(response) == ["phone"]
    assert not Address.objects.filter(user=customer).exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("nairobi county", "Nairobi"),
        ("NAIROBI", "Nairobi"),
        ("  Mombasa County ", "Mombasa"),
        ("muranga", "Murang'a"),
        ("uasin-gishu", "Uasin Gishu"),
        ("Taita Taveta", "Taita-Taveta"),
    ],
)
def test_create_address_stores_the_kenyan_county_in_its_canonical_spelling(customer_api, typed, stored):
    response = customer_api.post(ADDRESSES_URL, new_address(county=typed))

    assert response.status_code == 201, response.content
    assert response.json()["county"] == stored
    assert Address.objects.get(pk=response.json()["id"]).county == stored


def test_create_address_rejects_an_unknown_kenyan_county(customer, customer_api):
    response = customer_api.post(ADDRESSES_URL, new_address(county="Gotham"))

    assert response.status_code == 400
    assert error_attrs(response) == ["county"]
    assert not Address.objects.filter(user=customer).exists()


def test_create_address_outside_kenya_keeps_the_region_as_written(customer_api):
    response = customer_api.post(
        ADDRESSES_URL, new_address(country="ug", city="Kampala", county="Central Region", phone="+256 772 123456")
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["country"] == "UG"
    assert body["county"] == "Central Region"


def test_create_address_rejects_a_country_that_is_not_a_two_letter_code(customer_api):
    response = customer_api.post(ADDRESSES_URL, new_address(country="Kenya"))

    assert response.status_code == 400
    assert set(error_attrs(response)) == {"country"}


@pytest.mark.parametrize("missing", REQUIRED_FIELDS)
def test_create_address_requires_the_field(customer, customer_api, missing):
    body = new_address()
    del body[missing]

    response = customer_api.post(ADDRESSES_URL, body)

    assert response.status_code == 400
    assert error_attrs(response) == [missing]
    assert not Address.objects.filter(user=customer).exists()


def test_create_address_lists_every_missing_field(customer_api):
    response = customer_api.post(ADDRESSES_URL, {})

    assert response.status_code == 400
    assert set(error_attrs(response)) == set(REQUIRED_FIELDS)


# --- the default address ---------------------------------------------------------------------


def test_the_first_address_becomes_the_default(customer, customer_api):
    response = customer_api.post(ADDRESSES_URL, new_address())

    assert response.json()["is_default"] is True
    assert default_ids(customer) == [response.json()["id"]]


def test_a_second_address_leaves_the_default_where_it_was(customer, customer_api):
    first = customer_api.post(ADDRESSES_URL, new_address(label="Home")).json()

    second = customer_api.post(ADDRESSES_URL, new_address(label="Office")).json()

    assert second["is_default"] is False
    assert default_ids(customer) == [first["id"]]


def test_creating_an_address_marked_default_moves_the_default_to_it(customer, customer_api):
    customer_api.post(ADDRESSES_URL, new_address(label="Home"))

    office = customer_api.post(ADDRESSES_URL, new_address(label="Office", is_default=True)).json()

    assert office["is_default"] is True
    assert default_ids(customer) == [office["id"]]


def test_patching_is_default_moves_the_default(customer, customer_api):
    home = AddressFactory(user=customer, label="Home", is_default=True)
    office = AddressFactory(user=customer, label="Office")

    response = customer_api.patch(address_url(office.pk), {"is_default": True})

    assert response.status_code == 200
    assert response.json()["is_default"] is True
    assert default_ids(customer) == [office.pk]
    home.refresh_from_db()
    assert home.is_default is False


def test_unsetting_the_default_hands_it_to_another_address(customer, customer_api):
    home = AddressFactory(user=customer, label="Home", is_default=True)
    office = AddressFactory(user=customer, label="Office")

    response = customer_api.patch(address_url(home.pk), {"is_default": False})

    assert response.status_code == 200
    assert default_ids(customer) == [office.pk]


def test_deleting_the_default_address_promotes_another(customer, customer_api):
    home = AddressFactory(user=customer, label="Home", is_default=True)
    office = AddressFactory(user=customer, label="Office")

    response = customer_api.delete(address_url(home.pk))

    assert response.status_code == 204
    assert not Address.objects.filter(pk=home.pk).exists()
    assert default_ids(customer) == [office.pk]


def test_deleting_a_non_default_address_keeps_the_default(customer, customer_api):
    home = AddressFactory(user=customer, label="Home", is_default=True)
    office = AddressFactory(user=customer, label="Office")

    customer_api.delete(address_url(office.pk))

    assert default_ids(customer) == [home.pk]


def test_the_default_of_one_user_does_not_move_another_users_default(customer, customer_api):
    neighbour_home = AddressFactory(label="Home", is_default=True)

    customer_api.post(ADDRESSES_URL, new_address(is_default=True))

    neighbour_home.refresh_from_db()
    assert neighbour_home.is_default is True


# --- read, update, delete --------------------------------------------------------------------


def test_list_addresses_is_paginated(customer, customer_api):
    AddressFactory(user=customer, is_default=True)

    response = customer_api.get(ADDRESSES_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    assert set(body["results"][0]) == ADDRESS_FIELDS


def test_list_addresses_shows_only_the_users_own_addresses(customer, customer_api):
    own = AddressFactory(user=customer, is_default=True)
    AddressFactory(is_default=True)

    response = customer_api.get(ADDRESSES_URL)

    assert [address["id"] for address in response.json()["results"]] == [own.pk]


def test_get_address_answers_the_address(customer, customer_api):
    address = AddressFactory(user=customer, is_default=True, label="Home")

    response = customer_api.get(address_url(address.pk))

    assert response.status_code == 200
    assert response.json()["label"] == "Home"


def test_patch_address_changes_the_given_fields(customer, customer_api):
    address = AddressFactory(user=customer, is_default=True, label="Home", city="Nairobi")

    response = customer_api.patch(address_url(address.pk), {"label": "Shamba", "city": "Limuru", "county": "Kiambu"})

    assert response.status_code == 200
    address.refresh_from_db()
    assert (address.label, address.city, address.county) == ("Shamba", "Limuru", "Kiambu")


def test_patch_address_rejects_an_unknown_kenyan_county(customer, customer_api):
    address = AddressFactory(user=customer, is_default=True, county="Nairobi")

    response = customer_api.patch(address_url(address.pk), {"county": "Atlantis"})

    assert response.status_code == 400
    assert error_attrs(response) == ["county"]
    address.refresh_from_db()
    assert address.county == "Nairobi"


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_users_address_is_not_found(customer_api, method):
    neighbours = AddressFactory(label="Home", is_default=True)

    response = getattr(customer_api, method)(address_url(neighbours.pk), {"label": "Mine now"})

    assert response.status_code == 404
    neighbours.refresh_from_db()
    assert neighbours.label == "Home"
    assert neighbours.is_default is True


def test_an_unknown_address_id_is_not_found(customer_api):
    response = customer_api.get(address_url(999_999))

    assert response.status_code == 404


# --- access and paths ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"), [("get", ""), ("post", ""), ("get", "/1"), ("patch", "/1"), ("delete", "/1")]
)
def test_addresses_require_sign_in(api, db, method, path):
    response = getattr(api, method)(ADDRESSES_URL + path, new_address())

    assert response.status_code == 401


@pytest.mark.parametrize("suffix", ["", "/"])
def test_address_list_answers_with_or_without_a_trailing_slash(customer_api, suffix):
    assert customer_api.get(ADDRESSES_URL + suffix).status_code == 200


@pytest.mark.parametrize("suffix", ["", "/"])
def test_create_address_answers_with_or_without_a_trailing_slash(customer_api, suffix):
    assert customer_api.post(ADDRESSES_URL + suffix, new_address()).status_code == 201


@pytest.mark.parametrize("suffix", ["", "/"])
def test_address_detail_answers_with_or_without_a_trailing_slash(customer, customer_api, suffix):
    address = AddressFactory(user=customer, is_default=True)
    url = address_url(address.pk) + suffix

    assert customer_api.get(url).status_code == 200
    assert customer_api.patch(url, {"label": "Office"}).status_code == 200
    assert customer_api.delete(url).status_code == 204


def test_two_users_each_keep_their_own_default(db):
    wanjiku, otieno = UserFactory(), UserFactory()
    for user in (wanjiku, otieno):
        client = authenticated_client(user)
        client.post(ADDRESSES_URL, new_address())
        client.post(ADDRESSES_URL, new_address(label="Office", is_default=True))

    assert len(default_ids(wanjiku)) == 1
    assert len(default_ids(otieno)) == 1
