import pytest

from accounts.models import Role
from accounts.tests.factories import UserFactory
from core.testing import authenticated_client

REPORTS = [
    "dashboard",
    "orders",
    "sales",
    "tax",
    "products/top",
    "categories/top",
    "regions",
    "payments",
    "customers",
    "inventory",
    "carts",
    "customers/cohorts",
]
EVERY_REPORT = [*REPORTS, "repairs"]


@pytest.mark.parametrize("report", EVERY_REPORT)
def test_anonymous_callers_are_asked_to_sign_in(api, db, report):
    assert api.get(f"/api/v1/analytics/{report}").status_code == 401


@pytest.mark.parametrize("report", EVERY_REPORT)
def test_customers_are_refused(customer_api, report):
    assert customer_api.get(f"/api/v1/analytics/{report}").status_code == 403


@pytest.mark.parametrize("report", REPORTS)
def test_technicians_are_refused_the_shop_reports(db, report):
    technician = authenticated_client(UserFactory(role=Role.TECHNICIAN))
    assert technician.get(f"/api/v1/analytics/{report}").status_code == 403


def test_technicians_read_the_repairs_report_only(db):
    technician = authenticated_client(UserFactory(role=Role.TECHNICIAN))
    assert technician.get("/api/v1/analytics/repairs").status_code == 200


@pytest.mark.parametrize("report", EVERY_REPORT)
def test_staff_and_admins_read_every_report_with_or_without_a_trailing_slash(staff_api, admin_api, report):
    assert staff_api.get(f"/api/v1/analytics/{report}").status_code == 200
    assert admin_api.get(f"/api/v1/analytics/{report}/").status_code == 200


@pytest.mark.parametrize(
    ("query", "attr"),
    [
        ("date_from=2026-13-01", "date_from"),
        ("date_to=yesterday", "date_to"),
        ("date_from=2026-05-02&date_to=2026-05-01", "date_to"),
        ("date_from=2010-01-01&date_to=2026-01-01", "date_from"),
        ("compare=last_week", "compare"),
        ("date_from=0999-01-01&date_to=0999-01-02", "date_from"),
        ("date_to=0001-01-01", "date_to"),
        ("date_from=9999-12-30", "date_from"),
    ],
)
def test_bad_parameters_answer_400_naming_the_parameter(staff_api, query, attr):
    response = staff_api.get(f"/api/v1/analytics/dashboard?{query}")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert response.json()["errors"][0]["attr"] == attr


@pytest.mark.parametrize(("report", "query"), [("sales", "period=fortnight"), ("tax", "period=day")])
def test_an_unknown_period_answers_400(staff_api, report, query):
    response = staff_api.get(f"/api/v1/analytics/{report}?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "period"
