"""
Staff changing the category tree at the same moment, with real threads on PostgreSQL: every
request answers (200, or 400 when the tree changed under it), never 500, and the tree stays whole.
"""

import pytest

from catalog.models import Category
from catalog.tests.factories import make_category
from core.testing import authenticated_client, run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LIST = "/api/v1/categories"


def patch(client, slug: str, body: dict):
    return lambda: client.patch(f"{LIST}/{slug}", body, format="json")


def statuses(results) -> list:
    """Each response's status code, or the exception a request raised (a 500 in production)."""
    return [getattr(result, "status_code", result) for result in results]


def assert_tree_is_whole() -> None:
    """treebeard finds no bad path, depth or child count, and every node sits under an existing parent."""
    assert not any(Category.objects.find_problems()), Category.objects.find_problems()
    paths = set(Category.objects.values_list("path", flat=True))
    steplen = Category.steplen
    for path in paths:
        assert len(path) == steplen or path[:-steplen] in paths, f"{path} has no parent"
    for category in Category.objects.all():
        assert category.depth == len(category.path) // steplen


@pytest.fixture
def staff_clients(staff_user):
    return authenticated_client(staff_user), authenticated_client(staff_user)


@pytest.mark.parametrize("run", range(3))
def test_two_staff_moving_two_categories_under_each_other_get_one_move_and_one_400(staff_clients, run):
    a, b = make_category("Audio"), make_category("Batteries")
    first, second = staff_clients

    results = run_at_once([patch(first, "audio", {"parent": b.pk}), patch(second, "batteries", {"parent": a.pk})])

    assert sorted(statuses(results), key=str) == [200, 400], [getattr(r, "content", r) for r in results]
    refused = next(result for result in results if result.status_code == 400)
    assert refused.json()["errors"][0]["attr"] == "parent"
    assert_tree_is_whole()
    assert Category.objects.filter(depth=1).count() == 1
    assert Category.objects.get_parent(Category.objects.get(depth=2)).depth == 1


@pytest.mark.parametrize("run", range(3))
def test_moving_a_parent_while_its_child_moves_keeps_the_tree_whole(staff_clients, run):
    phones = make_category("Phones")
    samsung = make_category("Samsung", parent=phones)
    make_category("Galaxy", parent=samsung)
    brands, spares = make_category("Brands"), make_category("Spares")
    first, second = staff_clients

    results = run_at_once(
        [patch(first, "phones", {"parent": brands.pk}), patch(second, "samsung", {"parent": spares.pk})]
    )

    assert statuses(results) == [200, 200], [getattr(r, "content", r) for r in results]
    assert_tree_is_whole()
    assert Category.objects.get_parent(Category.objects.get(slug="phones")).slug == "brands"
    assert Category.objects.get_parent(Category.objects.get(slug="samsung")).slug == "spares"
    assert Category.objects.get_parent(Category.objects.get(slug="galaxy")).slug == "samsung"


@pytest.mark.parametrize("run", range(3))
def test_staff_adding_categories_under_one_parent_at_once_all_get_them(staff_clients, run):
    phones = make_category("Phones")
    make_category("Nokia", parent=phones)
    first, second = staff_clients
    add = [
        lambda client=client, name=name: client.post(LIST, {"name": name, "parent": phones.pk}, format="json")
        for client, name in [(first, "Apple"), (second, "Bird"), (first, "Samsung"), (second, "Oppo")]
    ]

    results = run_at_once(add)

    assert statuses(results) == [201] * 4, [getattr(r, "content", r) for r in results]
    assert_tree_is_whole()
    assert [c.name for c in Category.objects.get_children(Category.objects.get(slug="phones"))] == [
        "Apple", "Bird", "Nokia", "Oppo", "Samsung",
    ]  # fmt: skip


@pytest.mark.parametrize("run", range(3))
def test_two_staff_giving_two_categories_one_slug_at_once_get_one_200_and_one_400(staff_clients, run):
    make_category("Audio"), make_category("Batteries")
    first, second = staff_clients

    results = run_at_once([patch(first, "audio", {"slug": "power"}), patch(second, "batteries", {"slug": "power"})])

    assert sorted(statuses(results), key=str) == [200, 400], [getattr(r, "content", r) for r in results]
    refused = next(result for result in results if result.status_code == 400)
    assert refused.json()["errors"][0]["attr"] == "slug"
    assert Category.objects.filter(slug="power").count() == 1


# --- The admin ----------------------------------------------------------------------------------------


def admin_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def admin_move(client, category: Category, under: Category):
    """Save `category`'s admin change form with "Child of `under`"."""
    body = {"name": category.name, "slug": category.slug, "description": "", "treebeard_position": "sorted-child",
            "treebeard_ref_node": under.pk}  # fmt: skip
    return lambda: client.post(f"/admin/catalog/category/{category.pk}/change/", body)


def drag(client, category: Category, under: Category):
    """The change list's drag-and-drop: `category` dropped as a child of `under`."""
    body = {"node": category.pk, "target": under.pk, "relation": "child"}
    return lambda: client.post("/admin/catalog/category/move/", body)


@pytest.mark.parametrize("run", range(3))
@pytest.mark.parametrize("way", [admin_move, drag])
def test_two_staff_crossing_moves_in_the_admin_get_one_move_and_one_refusal(staff_user, way, run):
    a, b = make_category("Audio"), make_category("Batteries")
    first, second = admin_client(staff_user), admin_client(staff_user)

    results = run_at_once([way(first, a, b), way(second, b, a)])

    done, refused = (302, 200) if way is admin_move else (200, 400)  # the form again / treebeard's 400
    assert sorted(statuses(results), key=str) == sorted([done, refused]), results
    assert_tree_is_whole()
    assert Category.objects.filter(depth=1).count() == 1
