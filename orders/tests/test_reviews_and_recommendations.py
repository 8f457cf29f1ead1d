"""
`products/{key}/reviews` (only buyers with a paid order may write one) and
`products/{key}/recommendations` (bought together in paid orders, then category best sellers).
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.models import Product, Review
from catalog.services.reviews import review_create, review_set_visibility
from catalog.tests.factories import ProductFactory, VariantFactory, make_category
from core.testing import error_attrs, error_codes
from orders.models import OrderPaymentStatus, OrderStatus
from orders.purchases import bought_together, customer_bought
from orders.tests.factories import order_for, paid_order_for

pytestmark = pytest.mark.django_db


def new_product(**fields) -> Product:
    """An active product with one variant in stock."""
    return VariantFactory(product=ProductFactory(**fields)).product


def bought(user, *products: Product, quantity: int = 1, **order_fields):
    """A paid order of `user` holding one line of each product."""
    return paid_order_for(user, *((product.variants.first(), quantity) for product in products), **order_fields)


def write_review(product: Product, rating: int = 5, user=None, **fields) -> Review:
    """A review straight through the service (the purchase rule is the endpoint's)."""
    return review_create(
        product=product, user=user or UserFactory(), rating=rating, title=fields.get("title", ""), body=""
    )


def reviews_url(product: Product) -> str:
    return f"/api/v1/products/{product.slug}/reviews"


def recommended(api, product: Product) -> list[int]:
    response = api.get(f"/api/v1/products/{product.slug}/recommendations")
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()]


# --- Reading reviews ----------------------------------------------------------------------------


def test_anyone_reads_a_products_visible_reviews_newest_first(api):
    product = new_product()
    oldest, newest = write_review(product, title="First"), write_review(product, title="Second")
    review_set_visibility(review=write_review(product, 1, title="Spam"), is_visible=False)
    write_review(new_product(), title="Another product")

    response = api.get(reviews_url(product))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [newest.pk, oldest.pk]


def test_review_rows_show_the_rating_text_and_a_short_author_name_but_no_email(api, customer):
    product = new_product()
    review = review_create(product=product, user=customer, rating=4, title="Solid", body="Battery lasts.")

    row = api.get(reviews_url(product)).json()["results"][0]

    assert row == {
        "id": review.pk, "rating": 4, "title": "Solid", "body": "Battery lasts.", "author_name": "Wanjiku K.",
        "verified_purchase": True, "created_at": review.created_at.isoformat().replace("+00:00", "Z"),
    }  # fmt: skip


def test_reviews_are_found_by_product_id_too_with_or_without_a_trailing_slash(api):
    product = new_product()
    write_review(product)

    by_id = api.get(f"/api/v1/products/{product.pk}/reviews/")

    assert by_id.status_code == 200
    assert by_id.json() == api.get(reviews_url(product)).json()


def test_reviews_come_in_pages(api):
    product = new_product()
    for _ in range(3):
        write_review(product)

    body = api.get(f"{reviews_url(product)}?page_size=2&page=2").json()

    assert body["count"] == 3
    assert len(body["results"]) == 1
    assert body["previous"] is not None


def test_staff_also_see_hidden_reviews_and_which_are_hidden(staff_api, api):
    product = new_product()
    shown = write_review(product)
    hidden = write_review(product, 1)
    review_set_visibility(review=hidden, is_visible=False)

    staff_rows = staff_api.get(reviews_url(product)).json()["results"]
    public_rows = api.get(reviews_url(product)).json()["results"]

    assert [(row["id"], row["is_visible"]) for row in staff_rows] == [(hidden.pk, False), (shown.pk, True)]
    assert [row["id"] for row in public_rows] == [shown.pk]
    assert "is_visible" not in public_rows[0]


def test_customers_do_not_see_hidden_reviews_even_their_own(customer_api, customer):
    product = new_product()
    review_set_visibility(review=write_review(product, user=customer), is_visible=False)

    assert customer_api.get(reviews_url(product)).json()["count"] == 0


@pytest.mark.parametrize("reviews", [1, 20])
def test_the_review_list_costs_the_same_queries_for_one_review_or_twenty(api, django_assert_max_num_queries, reviews):
    product = new_product()
    for _ in range(reviews):
        write_review(product)

    with django_assert_max_num_queries(7):
        response = api.get(reviews_url(product))

    assert len(response.json()["results"]) == reviews


# --- Writing a review ---------------------------------------------------------------------------


def test_a_customer_with_a_paid_order_reviews_the_product_and_its_rating_shows_it(customer_api, customer, api):
    product = new_product()
    bought(customer, product)

    response = customer_api.post(reviews_url(product), {"rating": 4, "title": "Solid phone", "body": "Two days."})

    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in ("rating", "title", "body", "author_name", "verified_purchase")} == {
        "rating": 4, "title": "Solid phone", "body": "Two days.", "author_name": "Wanjiku K.",
        "verified_purchase": True,
    }  # fmt: skip
    assert Review.objects.get(pk=body["id"]).user == customer
    assert api.get(f"/api/v1/products/{product.slug}").json()["rating"] == {"average": "4.00", "count": 1}


def test_a_rating_alone_is_a_review(customer_api, customer):
    product = new_product()
    bought(customer, product)

    response = customer_api.post(f"/api/v1/products/{product.pk}/reviews/", {"rating": 5})

    assert response.status_code == 201
    assert (response.json()["title"], response.json()["body"]) == ("", "")


def test_a_partially_refunded_order_still_counts_as_a_purchase(customer_api, customer):
    product = new_product()
    bought(customer, product, payment_status=OrderPaymentStatus.PARTIALLY_REFUNDED)

    assert customer_api.post(reviews_url(product), {"rating": 3}).status_code == 201


def test_any_variant_of_the_product_counts_as_buying_it(customer_api, customer):
    product = new_product()
    other_variant = VariantFactory(product=product, name="Blue")
    paid_order_for(customer, other_variant)

    assert customer_api.post(reviews_url(product), {"rating": 5}).status_code == 201


def test_a_customer_who_never_bought_the_product_is_refused_not_purchased(customer_api, customer):
    product = new_product()
    bought(customer, new_product())  # something else

    response = customer_api.post(reviews_url(product), {"rating": 5})

    assert response.status_code == 403
    assert error_codes(response) == ["not_purchased"]
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("status", "payment_status"),
    [
        (OrderStatus.PENDING, OrderPaymentStatus.UNPAID),
        (OrderStatus.PENDING, OrderPaymentStatus.PENDING),
        (OrderStatus.FAILED, OrderPaymentStatus.FAILED),
        (OrderStatus.CANCELLED, OrderPaymentStatus.UNPAID),
        (OrderStatus.REFUNDED, OrderPaymentStatus.REFUNDED),
    ],
)
def test_an_order_that_was_not_paid_or_was_refunded_does_not_count(customer_api, customer, status, payment_status):
    product = new_product()
    order_for(customer, product.variants.first(), status=status, payment_status=payment_status)

    response = customer_api.post(reviews_url(product), {"rating": 5})

    assert response.status_code == 403
    assert error_codes(response) == ["not_purchased"]


def test_another_customers_paid_order_does_not_count(customer_api):
    product = new_product()
    bought(UserFactory(), product)

    assert error_codes(customer_api.post(reviews_url(product), {"rating": 5})) == ["not_purchased"]


def test_a_second_review_of_the_same_product_is_refused_as_duplicate_review(customer_api, customer):
    product = new_product()
    bought(customer, product)
    bought(customer, product)  # buying it twice still allows one review
    first = customer_api.post(reviews_url(product), {"rating": 5, "title": "Great"})

    again = customer_api.post(reviews_url(product), {"rating": 1, "title": "Changed my mind"})

    assert first.status_code == 201
    assert again.status_code == 409
    assert error_codes(again) == ["duplicate_review"]
    assert list(Review.objects.values_list("title", flat=True)) == ["Great"]


def test_reviewing_needs_a_signed_in_customer(api):
    product = new_product()

    response = api.post(reviews_url(product), {"rating": 5})

    assert response.status_code == 401
    assert error_codes(response) == ["not_authenticated"]


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "five"}, "rating"),
        ({"rating": True}, "rating"),
        ({"rating": 4.5}, "rating"),
        ({"rating": None}, "rating"),
        ({"title": "No rating"}, "rating"),
        ({"rating": 5, "title": "x" * 121}, "title"),
        ({"rating": 5, "body": "x" * 5001}, "body"),
        ({"rating": 5, "title": None}, "title"),
        ({"rating": 5, "body": "null\x00byte"}, "body"),
    ],
)
def test_bad_review_input_is_refused_and_creates_nothing(customer_api, customer, body, attr):
    product = new_product()
    bought(customer, product)

    response = customer_api.post(reviews_url(product), body)

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert error_attrs(response) == [attr]
    assert not Review.objects.exists()


def test_the_longest_title_and_body_allowed_are_kept_whole(customer_api, customer):
    product = new_product()
    bought(customer, product)

    response = customer_api.post(reviews_url(product), {"rating": 5, "title": "t" * 120, "body": "b" * 5000})

    assert response.status_code == 201
    assert (len(response.json()["title"]), len(response.json()["body"])) == (120, 5000)


def test_malformed_json_is_refused_and_creates_nothing(customer_api, customer):
    product = new_product()
    bought(customer, product)

    response = customer_api.post(reviews_url(product), '{"rating": 5,', content_type="application/json")

    assert response.status_code == 400
    assert error_codes(response) == ["parse_error"]
    assert not Review.objects.exists()


def test_options_describes_the_review_a_signed_in_customer_may_write(customer_api):
    response = customer_api.options(reviews_url(new_product()))

    assert response.status_code == 200, response.content
    assert set(response.json()["actions"]["POST"]) == {"rating", "title", "body"}


# --- Unknown and inactive products --------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["reviews", "recommendations"])
@pytest.mark.parametrize("key", ["no-such-phone", "999999", "99999999999999999999999"])
def test_an_unknown_product_has_no_reviews_or_recommendations(api, endpoint, key):
    response = api.get(f"/api/v1/products/{key}/{endpoint}")

    assert response.status_code == 404
    assert response.json()["type"] == "client_error"


@pytest.mark.parametrize("endpoint", ["reviews", "recommendations"])
def test_an_inactive_product_is_not_found_even_by_its_buyers(customer_api, customer, endpoint):
    product = new_product()
    bought(customer, product)
    Product.objects.filter(pk=product.pk).update(is_active=False)

    assert customer_api.get(f"/api/v1/products/{product.slug}/{endpoint}").status_code == 404
    assert customer_api.post(reviews_url(product), {"rating": 5}).status_code == 404
    assert not Review.objects.exists()


# --- The purchase selectors ---------------------------------------------------------------------


def test_customer_bought_says_no_for_a_signed_out_visitor(customer):
    product = new_product()
    bought(customer, product)

    assert customer_bought(user=customer, product=product) is True
    assert customer_bought(user=AnonymousUser(), product=product) is False


def test_bought_together_counts_an_order_with_two_variants_of_the_product_once(customer):
    product, older, newer = new_product(), new_product(), new_product()
    Product.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=7))
    blue = VariantFactory(product=product, name="Blue")
    # Each shares one order and one unit with `product`: a tie the newer one wins, however many
    # lines of `product` the older one's order holds.
    paid_order_for(customer, product.variants.first(), blue, older.variants.first())
    bought(UserFactory(), product, newer)

    assert bought_together(product=product, limit=8) == [newer.pk, older.pk]


# --- Recommendations ----------------------------------------------------------------------------


def test_products_bought_together_come_first_most_shared_orders_first(api):
    product, often, sometimes, once = new_product(), new_product(), new_product(), new_product()
    for _ in range(3):
        bought(UserFactory(), product, often)
    for _ in range(2):
        bought(UserFactory(), product, sometimes, quantity=5)
    bought(UserFactory(), product, once, quantity=9)

    assert recommended(api, product)[:3] == [often.pk, sometimes.pk, once.pk]


def test_bought_together_ties_go_to_more_units_then_to_the_newer_product(api):
    product, few, many, older, newer = (new_product() for _ in range(5))
    now = timezone.now()
    Product.objects.filter(pk=older.pk).update(created_at=now - timedelta(days=30))
    Product.objects.filter(pk=newer.pk).update(created_at=now - timedelta(days=1))
    Product.objects.filter(pk__in=[few.pk, many.pk]).update(created_at=now - timedelta(days=60))
    bought(UserFactory(), product, few, quantity=1)
    bought(UserFactory(), product, many, quantity=3)
    paid_order_for(UserFactory(), product.variants.first(), (older.variants.first(), 2), (newer.variants.first(), 2))

    assert recommended(api, product)[:4] == [many.pk, newer.pk, older.pk, few.pk]


def test_unpaid_orders_do_not_make_products_bought_together(api):
    phones = make_category("Phones")
    laptops = make_category("Laptops")
    product, unpaid_partner = new_product(category=phones), new_product(category=laptops)
    order_for(UserFactory(), product.variants.first(), unpaid_partner.variants.first())

    assert recommended(api, product) == []


def test_recommendations_are_topped_up_with_best_sellers_of_the_category_and_its_subcategories(api):
    electronics = make_category("Electronics")
    phones = make_category("Phones", parent=electronics)
    android = make_category("Android", parent=phones)
    elsewhere = make_category("Kitchen")
    product = new_product(category=phones)
    partner = new_product(category=elsewhere)
    bought(UserFactory(), product, partner)
    top_android = new_product(category=android, units_sold=50)
    second_phone = new_product(category=phones, units_sold=20)
    never_sold = new_product(category=phones, units_sold=0)
    new_product(category=electronics, units_sold=999)  # the parent category is not the product's
    new_product(category=elsewhere, units_sold=999)

    assert recommended(api, product) == [partner.pk, top_android.pk, second_phone.pk, never_sold.pk]


def test_best_sellers_with_equal_sales_come_newest_first(api):
    phones = make_category("Phones")
    product = new_product(category=phones)
    older, newer = new_product(category=phones, units_sold=5), new_product(category=phones, units_sold=5)
    Product.objects.filter(pk=newer.pk).update(created_at=timezone.now() - timedelta(days=1))
    Product.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=9))

    assert recommended(api, product) == [newer.pk, older.pk]


def test_recommendations_never_repeat_a_product_nor_include_the_product_itself(api):
    phones = make_category("Phones")
    product = new_product(category=phones, units_sold=1000)
    partner = new_product(category=phones, units_sold=10)
    bought(UserFactory(), product, partner)
    bought(UserFactory(), product, partner)

    ids = recommended(api, product)

    assert ids == [partner.pk]


def test_inactive_products_are_never_recommended(api):
    phones = make_category("Phones")
    product = new_product(category=phones)
    gone_partner, gone_seller = new_product(category=phones), new_product(category=phones, units_sold=99)
    bought(UserFactory(), product, gone_partner)
    Product.objects.filter(pk__in=[gone_partner.pk, gone_seller.pk]).update(is_active=False)
    still_here = new_product(category=phones, units_sold=1)

    assert recommended(api, product) == [still_here.pk]


def test_at_most_eight_products_are_recommended(api):
    phones = make_category("Phones")
    product = new_product(category=phones)
    partners = [new_product(category=phones) for _ in range(5)]
    bought(UserFactory(), product, *partners)
    for units in range(10):
        new_product(category=phones, units_sold=units + 1)

    ids = recommended(api, product)

    assert len(ids) == 8
    assert ids[:5] == [partner.pk for partner in sorted(partners, key=lambda p: p.created_at, reverse=True)]


def test_recommendations_are_a_plain_array_of_product_list_rows(api):
    phones = make_category("Phones")
    product = new_product(category=phones)
    other = new_product(category=phones, units_sold=3, name="Tecno Camon 30")

    response = api.get(f"/api/v1/products/{product.pk}/recommendations/")

    assert response.status_code == 200
    list_rows = {row["id"]: row for row in api.get("/api/v1/products").json()["results"]}
    assert response.json() == [list_rows[other.pk]]
    assert response.json()[0]["name"] == "Tecno Camon 30"


@pytest.mark.parametrize("partners", [1, 8])
def test_recommendations_cost_a_constant_number_of_queries(api, django_assert_max_num_queries, partners):
    phones = make_category("Phones")
    product = new_product(category=phones)
    bought(UserFactory(), product, *(new_product(category=phones) for _ in range(partners)))
    for units in range(8):
        new_product(category=phones, units_sold=units + 1)

    with django_assert_max_num_queries(12):
        response = api.get(f"/api/v1/products/{product.slug}/recommendations")

    assert len(response.json()) == 8


# --- OPTIONS ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["0", "no-such-product", "99999999999999999999999", "existing"])
@pytest.mark.parametrize("who", ["admin", "customer", "anonymous"])
def test_options_on_reviews_answers_even_when_the_product_does_not_exist(request, api, key, who):
    product = new_product()
    client = api if who == "anonymous" else request.getfixturevalue(f"{who}_api")
    key = product.slug if key == "existing" else key

    response = client.options(f"/api/v1/products/{key}/reviews")

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Product Reviews"
    assert not Review.objects.exists()
