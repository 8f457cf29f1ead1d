"""API.md conventions: optional trailing slash without redirects, and page-number pagination."""

from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.tests.factories import AddressFactory
from core.testing import error_codes

REDIRECTS = {301, 302, 303, 307, 308}


@pytest.mark.parametrize("path", ["/api/v1/auth/me", "/api/v1/auth/me/"])
def test_single_route_answers_with_and_without_trailing_slash(customer, customer_api, path):
    response = customer_api.get(path)

    assert response.status_code not in REDIRECTS
    assert response.status_code == 200
    assert response.json()["email"] == customer.email


@pytest.mark.parametrize("path", ["/api/v1/addresses", "/api/v1/addresses/"])
def test_router_collection_answers_with_and_without_trailing_slash(customer_api, path):
    response = customer_api.get(path)

    assert response.status_code not in REDIRECTS
    assert response.status_code == 200
    assert set(response.json()) == {"count", "next", "previous", "results"}


@pytest.mark.parametrize("suffix", ["", "/"])
def test_router_detail_answers_with_and_without_trailing_slash(customer, customer_api, suffix):
    address = AddressFactory(user=customer)

    response = customer_api.get(f"/api/v1/addresses/{address.pk}{suffix}")

    assert response.status_code not in REDIRECTS
    assert response.status_code == 200
    assert response.json()["id"] == address.pk


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/login/"])
def test_post_is_not_redirected_with_or_without_trailing_slash(api, db, path):
    response = api.post(path, {"email": "nobody@example.com", "password": "Wrong-Password-1"}, format="json")

    assert response.status_code not in REDIRECTS
    assert response.status_code == 401


@pytest.fixture
def many_addresses(customer):
    return AddressFactory.create_batch(25, user=customer)


def test_list_pages_20_items_by_default(customer_api, many_addresses):
    body = customer_api.get("/api/v1/addresses").json()

    assert body["count"] == 25
    assert len(body["results"]) == 20
    assert body["previous"] is None
    assert body["next"] is not None


def test_page_size_parameter_sets_the_page_length(customer_api, many_addresses):
    body = customer_api.get("/api/v1/addresses", {"page_size": 5}).json()

    assert body["count"] == 25
    assert len(body["results"]) == 5


def test_next_and_previous_links_walk_the_pages(customer_api, many_addresses):
    first = customer_api.get("/api/v1/addresses", {"page_size": 5}).json()
    second = customer_api.get(first["next"]).json()

    assert first["previous"] is None
    assert parse_qs(urlsplit(first["next"]).query) == {"page": ["2"], "page_size": ["5"]}
    assert second["previous"] is not None
    assert parse_qs(urlsplit(second["previous"]).query).get("page_size") == ["5"]
    assert {a["id"] for a in first["results"]}.isdisjoint(a["id"] for a in second["results"])


def test_last_page_has_no_next_link(customer_api, many_addresses):
    body = customer_api.get("/api/v1/addresses", {"page_size": 5, "page": 5}).json()

    assert len(body["results"]) == 5
    assert body["next"] is None
    assert body["previous"] is not None


def test_pages_together_list_every_item_once(customer_api, many_addresses):
    seen = []
    url = "/api/v1/addresses?page_size=7"
    while url:
        body = customer_api.get(url).json()
        seen.extend(a["id"] for a in body["results"])
        url = body["next"]

    assert sorted(seen) == sorted(a.pk for a in many_addresses)


def test_page_size_above_100_is_capped_at_100(customer, customer_api):
    AddressFactory.create_batch(105, user=customer)

    response = customer_api.get("/api/v1/addresses", {"page_size": 1000})

    assert response.status_code == 200
    assert response.json()["count"] == 105
    assert len(response.json()["results"]) == 100


def test_page_beyond_the_last_answers_404_envelope(customer_api, many_addresses):
    response = customer_api.get("/api/v1/addresses", {"page": 999})

    assert response.status_code == 404
    assert response.json()["type"] == "client_error"
    assert error_codes(response) == ["not_found"]
