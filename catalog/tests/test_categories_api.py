import pytest

from catalog.models import Category
from catalog.tests.factories import ProductFactory, make_category
from core.testing import error_attrs, error_codes

pytestmark = pytest.mark.django_db

LIST = "/api/v1/categories"


def detail(key) -> str:
    return f"{LIST}/{key}"


def node(category: Category, parent: Category | None = None, children: list | None = None) -> dict:
    """The API's representation of `category`, as a test expects it."""
    return {
        "id": category.pk, "name": category.name, "slug": category.slug, "description": category.description,
        "image": None, "parent": parent.pk if parent else None, "children": children or [],
    }  # fmt: skip


def tree_is_sound() -> bool:
    return not any(Category.objects.find_problems())


@pytest.fixture
def phones():
    """Phones > {Tecno, Samsung > Galaxy}: a small tree to read, move and delete in."""
    root = make_category("Phones")
    make_category("Tecno", parent=root)
    samsung = make_category("Samsung", parent=root)
    make_category("Galaxy", parent=samsung)
    return Category.objects.get(pk=root.pk)


def get(slug: str) -> Category:
    return Category.objects.get(slug=slug)


# --- Reading --------------------------------------------------------------------------------------


def test_category_tree_lists_roots_with_children_nested_and_sorted_by_name(api, phones):
    accessories = make_category("Accessories")
    chargers = make_category("Chargers", parent=accessories)

    response = api.get(LIST)

    assert response.status_code == 200
    samsung, galaxy, tecno = get("samsung"), get("galaxy"), get("tecno")
    assert response.json() == [
        node(accessories, children=[node(chargers, accessories)]),
        node(phones, children=[node(samsung, phones, [node(galaxy, samsung)]), node(tecno, phones)]),
    ]


def test_category_tree_sorts_siblings_by_name_ignoring_case(api):
    for name in ["tablets", "Audio", "Wearables"]:
        make_category(name)

    names = [row["name"] for row in api.get(LIST).json()]

    assert names == ["Audio", "tablets", "Wearables"]


def test_category_tree_runs_one_query_whatever_its_size(api, django_assert_max_num_queries):
    for i in range(3):
        root = make_category(f"Root {i}")
        for j in range(3):
            child = make_category(f"Child {i}-{j}", parent=root)
            for k in range(2):
                make_category(f"Leaf {i}-{j}-{k}", parent=child)
    assert Category.objects.count() == 30

    with django_assert_max_num_queries(1):
        tree = api.get(LIST).json()

    assert sum(1 + len(child["children"]) for root in tree for child in root["children"]) + len(tree) == 30


def test_category_image_is_an_absolute_url(api):
    category = make_category("Phones")
    category.image.name = "categories/phones.jpg"
    category.save()

    image = api.get(detail("phones")).json()["image"]

    assert image.startswith("http") and image.endswith("/categories/phones.jpg")


def test_category_detail_by_slug_shows_it_with_its_children_and_its_parent(api, phones):
    samsung = get("samsung")

    response = api.get(detail("samsung"))

    assert response.status_code == 200
    assert response.json() == node(samsung, phones, [node(get("galaxy"), samsung)])


def test_category_detail_by_id_answers_the_same_as_by_slug(api, phones):
    assert api.get(detail(phones.pk)).json() == api.get(detail("phones")).json()


@pytest.mark.parametrize("key", ["no-such-category", "999999", "99999999999999999999999"])
def test_unknown_category_answers_404_in_the_error_envelope(api, phones, key):
    response = api.get(detail(key))

    assert response.status_code == 404
    assert error_codes(response) == ["not_found"]


@pytest.mark.parametrize("path", [LIST, f"{LIST}/", detail("phones"), detail("phones") + "/"])
def test_category_paths_answer_with_and_without_a_trailing_slash(api, phones, path):
    assert api.get(path).status_code == 200


# --- Creating -------------------------------------------------------------------------------------


@pytest.mark.parametrize("client", ["staff_api", "admin_api"])
def test_staff_create_a_root_category_with_a_slug_made_from_its_name(request, client):
    response = request.getfixturevalue(client).post(LIST, {"name": "Smart Watches", "description": "On the wrist"})

    assert response.status_code == 201
    created = get("smart-watches")
    assert response.json() == node(created)
    assert (created.name, created.description, created.is_root()) == ("Smart Watches", "On the wrist", True)


def test_a_generated_slug_that_is_taken_gets_a_number(staff_api):
    slugs = [staff_api.post(LIST, {"name": "Phones"}).json()["slug"] for _ in range(3)]

    assert slugs == ["phones", "phones-2", "phones-3"]


def test_a_name_of_digits_gets_a_slug_that_cannot_be_mistaken_for_an_id(staff_api):
    response = staff_api.post(LIST, {"name": "2024"})

    assert response.json()["slug"] == "category-2024"
    assert staff_api.get(detail("category-2024")).status_code == 200


def test_creating_with_a_given_slug_uses_it(staff_api):
    assert staff_api.post(LIST, {"name": "Phones", "slug": "simu"}).json()["slug"] == "simu"


def test_creating_with_a_taken_slug_answers_400_on_slug_and_creates_nothing(staff_api, phones):
    response = staff_api.post(LIST, {"name": "Mobile", "slug": "phones"})

    assert response.status_code == 400
    assert (error_codes(response), error_attrs(response)) == (["unique"], ["slug"])
    assert not Category.objects.filter(name="Mobile").exists()


def test_staff_create_a_category_under_a_parent(staff_api, phones):
    response = staff_api.post(LIST, {"name": "Infinix", "parent": phones.pk})

    assert response.status_code == 201
    assert response.json()["parent"] == phones.pk
    children = [row["slug"] for row in staff_api.get(detail("phones")).json()["children"]]
    assert children == ["infinix", "samsung", "tecno"]
    assert tree_is_sound()


def test_creating_under_an_unknown_parent_answers_400_on_parent(staff_api):
    response = staff_api.post(LIST, {"name": "Infinix", "parent": 999999})

    assert response.status_code == 400
    assert (error_codes(response), error_attrs(response)) == (["does_not_exist"], ["parent"])
    assert not Category.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"name": ["Phones"]},
        {"name": ""},
        {"description": "no name"},
        {"name": "x" * 121},
        {"name": "Phones", "slug": "has spaces"},
        {"name": "Phones", "slug": "2024"},
        {"name": "Phones", "parent": "abc"},
        {"name": "Phones", "parent": True},
        {"name": "Phones", "parent": 2**70},
        {"name": "Phones", "description": {"text": "x"}},
        [{"name": "Phones"}],
    ],
    ids=lambda body: str(body)[:40],
)
def test_invalid_category_bodies_answer_400_and_create_nothing(staff_api, body):
    response = staff_api.post(LIST, body)

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert not Category.objects.exists()


def test_malformed_json_answers_400_and_creates_nothing(staff_api):
    response = staff_api.post(LIST, '{"name": "Phones"', content_type="application/json")

    assert response.status_code == 400
    assert error_codes(response) == ["parse_error"]
    assert not Category.objects.exists()


# --- Changing -------------------------------------------------------------------------------------


def test_staff_rename_a_category_and_its_slug_stays(staff_api, phones):
    response = staff_api.patch(detail("tecno"), {"name": "Tecno Mobile", "description": "Spark, Camon"})

    assert response.status_code == 200
    tecno = get("tecno")
    assert (tecno.name, tecno.description) == ("Tecno Mobile", "Spark, Camon")
    assert response.json() == node(tecno, phones)


def test_renaming_a_category_moves_it_to_its_place_in_name_order(staff_api, phones):
    staff_api.patch(detail("tecno"), {"name": "Apple"})

    children = [row["name"] for row in staff_api.get(detail("phones")).json()["children"]]
    assert children == ["Apple", "Samsung"]
    assert [c.name for c in Category.objects.get_children(phones)] == ["Apple", "Samsung"]
    assert tree_is_sound()


def test_staff_change_a_category_slug(staff_api, phones):
    response = staff_api.patch(detail("tecno"), {"slug": "tecno-mobile"})

    assert response.json()["slug"] == "tecno-mobile"
    assert staff_api.get(detail("tecno-mobile")).status_code == 200


def test_changing_to_a_taken_slug_answers_400_on_slug(staff_api, phones):
    response = staff_api.patch(detail("tecno"), {"slug": "samsung"})

    assert response.status_code == 400
    assert error_attrs(response) == ["slug"]
    assert get("tecno").name == "Tecno"


def test_moving_a_category_under_another_parent_carries_its_subtree(staff_api, phones):
    brands = make_category("Brands")

    response = staff_api.patch(detail("samsung"), {"parent": brands.pk})

    assert response.status_code == 200
    assert response.json()["parent"] == brands.pk
    tree = {row["slug"]: row for row in staff_api.get(LIST).json()}
    assert [child["slug"] for child in tree["phones"]["children"]] == ["tecno"]
    assert tree["brands"]["children"][0]["slug"] == "samsung"
    assert tree["brands"]["children"][0]["children"][0]["slug"] == "galaxy"
    assert tree_is_sound()


def test_parent_null_makes_a_category_a_root(staff_api, phones):
    response = staff_api.patch(detail("samsung"), {"parent": None})

    assert response.json()["parent"] is None
    roots = [(row["slug"], [child["slug"] for child in row["children"]]) for row in staff_api.get(LIST).json()]
    assert roots == [("phones", ["tecno"]), ("samsung", ["galaxy"])]
    assert tree_is_sound()


def test_renaming_a_root_keeps_the_roots_in_name_order(staff_api, phones):
    make_category("Laptops")

    staff_api.patch(detail("phones"), {"name": "Audio"})

    assert [c.name for c in Category.objects.get_root_nodes()] == ["Audio", "Laptops"]
    assert tree_is_sound()


@pytest.mark.parametrize("target", ["phones", "samsung", "galaxy"])
def test_moving_a_category_under_itself_or_its_descendant_answers_400_and_moves_nothing(staff_api, phones, target):
    paths = dict(Category.objects.values_list("slug", "path"))

    response = staff_api.patch(detail("phones"), {"parent": get(target).pk})

    assert response.status_code == 400
    assert error_attrs(response) == ["parent"]
    assert dict(Category.objects.values_list("slug", "path")) == paths


@pytest.mark.parametrize("body", [{"name": ""}, {"name": "x" * 121}, {"parent": "abc"}, {"slug": "bad slug"}])
def test_invalid_changes_answer_400_and_change_nothing(staff_api, phones, body):
    response = staff_api.patch(detail("tecno"), body)

    assert response.status_code == 400
    tecno = get("tecno")
    assert (tecno.name, tecno.get_depth()) == ("Tecno", 2)


# --- Deleting -------------------------------------------------------------------------------------


def test_deleting_an_empty_category_removes_it_and_its_empty_subcategories(staff_api, phones):
    response = staff_api.delete(detail("samsung"))

    assert response.status_code == 204
    assert sorted(Category.objects.values_list("slug", flat=True)) == ["phones", "tecno"]
    assert tree_is_sound()


def test_deleting_a_category_with_products_answers_409_and_keeps_it(staff_api, phones):
    ProductFactory(category=get("tecno"))

    response = staff_api.delete(detail("tecno"))

    assert response.status_code == 409
    assert error_codes(response) == ["category_in_use"]
    assert Category.objects.filter(slug="tecno").exists()


def test_deleting_a_category_whose_subcategory_has_products_answers_409_and_keeps_them_all(staff_api, phones):
    ProductFactory(category=get("galaxy"))

    response = staff_api.delete(detail("phones"))

    assert response.status_code == 409
    assert error_codes(response) == ["category_in_use"]
    assert Category.objects.count() == 4
    assert tree_is_sound()


# --- Who may write --------------------------------------------------------------------------------

WRITES = [("post", LIST, {"name": "Audio"}), ("patch", detail("phones"), {"name": "Simu"}),
          ("delete", detail("phones"), None)]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[w[0] for w in WRITES])
def test_anonymous_category_writes_answer_401(api, phones, method, path, body):
    assert getattr(api, method)(path, body).status_code == 401
    assert sorted(Category.objects.values_list("name", flat=True)) == ["Galaxy", "Phones", "Samsung", "Tecno"]


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[w[0] for w in WRITES])
def test_customer_category_writes_answer_403(customer_api, phones, method, path, body):
    assert getattr(customer_api, method)(path, body).status_code == 403
    assert sorted(Category.objects.values_list("name", flat=True)) == ["Galaxy", "Phones", "Samsung", "Tecno"]
