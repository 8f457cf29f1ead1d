"""
Users and roles: an admin lists users and changes their role or active flag (`users` in API.md's
Accounts section); each role is a Django group that also decides what its members see in /admin/.
"""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client

from accounts.demo import DEMO_ACCOUNTS
from accounts.models import Role, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from core.testing import authenticated_client, error_attrs

USERS_URL = "/api/v1/users"
LOGIN_URL = "/api/v1/auth/login"
REFRESH_URL = "/api/v1/auth/refresh"


def user_url(user_id: int) -> str:
    return f"{USERS_URL}/{user_id}"


def admin_site_client(user, password: str = DEFAULT_PASSWORD) -> Client:
    """A browser signed in to /admin/ with the user's email and password."""
    client = Client()
    # django-axes guards authenticate() and needs the request it is called for.
    assert client.login(request=HttpRequest(), email=user.email, password=password), f"{user} cannot sign in"
    return client


def listed_emails(response) -> set[str]:
    return {user["email"] for user in response.json()["results"]}


# --- who may list users ----------------------------------------------------------------------


def test_users_list_requires_sign_in(api, db):
    response = api.get(USERS_URL)

    assert response.status_code == 401


def test_users_list_is_refused_to_a_customer(customer_api):
    response = customer_api.get(USERS_URL)

    assert response.status_code == 403


def test_users_list_is_refused_to_staff(staff_user):
    response = authenticated_client(staff_user).get(USERS_URL)

    assert response.status_code == 403


def test_users_list_is_refused_to_a_technician(db):
    response = authenticated_client(UserFactory(role=Role.TECHNICIAN)).get(USERS_URL)

    assert response.status_code == 403


def test_users_detail_is_refused_to_staff(staff_user, customer):
    response = authenticated_client(staff_user).get(user_url(customer.pk))

    assert response.status_code == 403


def test_users_list_answers_an_admin(admin_api, admin_user, customer):
    response = admin_api.get(USERS_URL)

    assert response.status_code == 200
    assert listed_emails(response) == {admin_user.email, customer.email}


# --- filtering, searching, paging ------------------------------------------------------------


def test_users_list_filters_by_role(admin_api, customer, staff_user):
    response = admin_api.get(USERS_URL, {"role": "staff"})

    assert response.status_code == 200
    assert listed_emails(response) == {staff_user.email}


def test_users_list_rejects_an_unknown_role_filter(admin_api):
    response = admin_api.get(USERS_URL, {"role": "owner"})

    assert response.status_code == 400
    assert error_attrs(response) == ["role"]


def test_users_list_searches_by_part_of_the_email(admin_api, customer, staff_user):
    response = admin_api.get(USERS_URL, {"search": "wanjiku@"})

    assert listed_emails(response) == {customer.email}


def test_users_list_pages_with_the_page_size_asked_for(admin_api, admin_user):
    UserFactory.create_batch(3)

    response = admin_api.get(USERS_URL, {"page_size": 1})

    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 4
    assert len(body["results"]) == 1
    assert "page_size=1" in body["next"]
    assert "page=2" in body["next"]
    assert body["previous"] is None


def test_users_list_caps_the_page_size_at_100(admin_api, admin_user):
    User.objects.bulk_create(User(email=f"bulk{n}@example.com") for n in range(105))

    response = admin_api.get(USERS_URL, {"page_size": 500})

    body = response.json()
    assert body["count"] == 106
    assert len(body["results"]) == 100
    assert body["next"] is not None


# --- changing a role -------------------------------------------------------------------------


def test_admin_makes_a_customer_staff(admin_api, customer):
    response = admin_api.patch(user_url(customer.pk), {"role": "staff"})

    assert response.status_code == 200
    assert response.json()["role"] == "staff"
    customer.refresh_from_db()
    assert customer.role == Role.STAFF


def test_a_user_made_staff_is_in_the_staff_group_only(admin_api, customer):
    admin_api.patch(user_url(customer.pk), {"role": "staff"})

    assert list(customer.groups.values_list("name", flat=True)) == ["staff"]


def test_a_user_made_staff_may_use_the_admin_site(admin_api, customer):
    admin_api.patch(user_url(customer.pk), {"role": "staff"})

    customer.refresh_from_db()
    assert customer.is_staff is True
    assert admin_site_client(customer).get("/admin/").status_code == 200


def test_a_user_made_staff_signs_in_through_the_admin_login_form(admin_api, customer):
    admin_api.patch(user_url(customer.pk), {"role": "staff"})
    browser = Client()

    response = browser.post(
        "/admin/login/?next=/admin/", {"username": customer.email, "password": DEFAULT_PASSWORD, "next": "/admin/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200


def test_a_customer_cannot_use_the_admin_site(customer):
    response = admin_site_client(customer).get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_makes_a_customer_a_technician(admin_api, customer):
    response = admin_api.patch(user_url(customer.pk), {"role": "technician"})

    assert response.status_code == 200
    customer.refresh_from_db()
    assert list(customer.groups.values_list("name", flat=True)) == ["technician"]
    assert customer.is_staff is True


def test_role_back_to_customer_removes_admin_site_access_and_the_staff_group(admin_api, staff_user):
    response = admin_api.patch(user_url(staff_user.pk), {"role": "customer"})

    assert response.status_code == 200
    staff_user.refresh_from_db()
    assert staff_user.is_staff is False
    assert list(staff_user.groups.values_list("name", flat=True)) == ["customer"]


def test_a_demoted_staff_user_loses_the_admin_site(admin_api, staff_user):
    browser = admin_site_client(staff_user)
    admin_api.patch(user_url(staff_user.pk), {"role": "customer"})

    response = browser.get("/admin/")

    assert response.status_code == 302


def test_patch_user_rejects_an_unknown_role(admin_api, customer):
    response = admin_api.patch(user_url(customer.pk), {"role": "owner"})

    assert response.status_code == 400
    assert error_attrs(response) == ["role"]
    customer.refresh_from_db()
    assert customer.role == Role.CUSTOMER


def test_patch_user_ignores_profile_fields(admin_api, customer):
    response = admin_api.patch(user_url(customer.pk), {"email": "taken-over@example.com", "first_name": "X"})

    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.email, customer.first_name) == ("wanjiku@example.com", "Wanjiku")


def test_patch_unknown_user_is_not_found(admin_api):
    response = admin_api.patch(user_url(999_999), {"role": "staff"})

    assert response.status_code == 404


def test_staff_cannot_change_a_role(staff_user, customer):
    response = authenticated_client(staff_user).patch(user_url(customer.pk), {"role": "admin"})

    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.role == Role.CUSTOMER


# --- deactivating ----------------------------------------------------------------------------


def test_deactivating_a_user_revokes_their_refresh_tokens(api, admin_api, customer):
    refresh = api.post(LOGIN_URL, {"email": customer.email, "password": DEFAULT_PASSWORD}).json()["refresh"]

    response = admin_api.patch(user_url(customer.pk), {"is_active": False})

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert api.post(REFRESH_URL, {"refresh": refresh}).status_code == 401


def test_a_deactivated_user_cannot_sign_in(api, admin_api, customer):
    admin_api.patch(user_url(customer.pk), {"is_active": False})

    response = api.post(LOGIN_URL, {"email": customer.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 401


def test_a_reactivated_user_can_sign_in_again(api, admin_api, customer):
    admin_api.patch(user_url(customer.pk), {"is_active": False})
    admin_api.patch(user_url(customer.pk), {"is_active": True})

    response = api.post(LOGIN_URL, {"email": customer.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 200


def test_admin_cannot_demote_themselves(admin_api, admin_user):
    response = admin_api.patch(user_url(admin_user.pk), {"role": "staff"})

    assert response.status_code == 409
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


def test_admin_cannot_deactivate_themselves(admin_api, admin_user):
    response = admin_api.patch(user_url(admin_user.pk), {"is_active": False})

    assert response.status_code == 409
    admin_user.refresh_from_db()
    assert admin_user.is_active is True


def test_an_admin_can_demote_another_admin(admin_api):
    other_admin = UserFactory(role=Role.ADMIN)

    response = admin_api.patch(user_url(other_admin.pk), {"role": "staff"})

    assert response.status_code == 200
    other_admin.refresh_from_db()
    assert other_admin.role == Role.STAFF


# --- role groups and the admin site ----------------------------------------------------------


def test_every_role_has_a_group_after_migrations(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {"customer", "staff", "technician", "admin"}


def test_the_staff_group_may_view_users(db):
    staff_group = Group.objects.get(name="staff")

    assert staff_group.permissions.filter(content_type__app_label="accounts", codename="view_user").exists()


def test_the_staff_group_may_not_change_users(db):
    staff_group = Group.objects.get(name="staff")

    assert not staff_group.permissions.filter(content_type__app_label="accounts", codename="change_user").exists()


def test_the_admin_group_holds_every_permission(db):
    admin_group = Group.objects.get(name="admin")

    assert set(admin_group.permissions.all()) == set(Permission.objects.all())


def test_staff_in_the_admin_site_can_view_the_user_list(staff_user):
    response = admin_site_client(staff_user).get("/admin/accounts/user/")

    assert response.status_code == 200


def test_staff_in_the_admin_site_cannot_open_the_add_user_page(staff_user):
    response = admin_site_client(staff_user).get("/admin/accounts/user/add/")

    assert response.status_code == 403


def test_the_admin_role_in_the_admin_site_can_open_the_add_user_page(admin_user):
    response = admin_site_client(admin_user).get("/admin/accounts/user/add/")

    assert response.status_code == 200


def test_a_technician_can_sign_in_to_the_admin_site(db):
    technician = UserFactory(role=Role.TECHNICIAN)

    response = admin_site_client(technician).get("/admin/")

    assert response.status_code == 200


def test_a_technician_in_the_admin_site_cannot_view_the_user_list(db):
    technician = UserFactory(role=Role.TECHNICIAN)

    response = admin_site_client(technician).get("/admin/accounts/user/")

    assert response.status_code == 403


# --- management commands ---------------------------------------------------------------------


@pytest.fixture
def superuser_env(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Owner@Duka.example")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Owner-Strong-Pass-2026")


def test_createsuperuser_noinput_makes_a_user_with_the_admin_role(db, superuser_env):
    call_command("createsuperuser", interactive=False, stdout=StringIO())

    owner = User.objects.get(email="owner@duka.example")
    assert owner.role == Role.ADMIN
    assert owner.is_superuser is True
    assert owner.is_staff is True


def test_createsuperuser_puts_the_user_in_the_admin_group(db, superuser_env):
    call_command("createsuperuser", interactive=False, stdout=StringIO())

    owner = User.objects.get(email="owner@duka.example")
    assert list(owner.groups.values_list("name", flat=True)) == ["admin"]


def test_createsuperuser_user_can_manage_users_through_the_api(api, db, superuser_env):
    call_command("createsuperuser", interactive=False, stdout=StringIO())
    access = api.post(LOGIN_URL, {"email": "owner@duka.example", "password": "Owner-Strong-Pass-2026"}).json()["access"]

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = api.get(USERS_URL)

    assert response.status_code == 200


def test_seed_demo_creates_the_four_demo_accounts(db):
    call_command("seed_demo", stdout=StringIO())

    roles = dict(User.objects.filter(email__endswith="@duka.local").values_list("email", "role"))
    assert roles == {
        "admin@duka.local": "admin",
        "staff@duka.local": "staff",
        "tech@duka.local": "technician",
        "customer@duka.local": "customer",
    }


def test_seed_demo_can_run_twice(db):
    call_command("seed_demo", stdout=StringIO())

    call_command("seed_demo", stdout=StringIO())

    assert User.objects.filter(email__endswith="@duka.local").count() == 4


@pytest.mark.parametrize(("email", "password"), [(account[0], account[1]) for account in DEMO_ACCOUNTS])
def test_demo_accounts_sign_in_with_the_printed_passwords(api, db, email, password):
    output = StringIO()
    call_command("seed_demo", stdout=output)

    response = api.post(LOGIN_URL, {"email": email, "password": password})

    assert response.status_code == 200, response.content
    assert email in output.getvalue() and password in output.getvalue()
