"""
The exports of issue 12: for each kind a header row and a row generator over the database's rows
(`values_list(...).iterator(chunk_size=...)`, never all rows at once), filtered by the report range,
and two writers: CSV (UTF-8 with a BOM, so Excel reads it) and XLSX (xlsxwriter's `constant_memory` mode).

Cells a spreadsheet would run as a formula are neutralised (API.md, "Analytics"): text starting with
`=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`; numbers stay numbers.
"""

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Max, Sum
from xlsxwriter import Workbook

from analytics.definitions import CENT, MONEY_FIELD, ZERO, paid_orders, store_tz, tax_by_month
from analytics.params import DayRange
from orders.models import OrderLine
from repairs.models import RepairRequest

CHUNK = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def neutralise(cell):
    """A cell safe in a spreadsheet: text that would start a formula gets a leading `'`; numbers stay."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def _cell(value):
    """A database value as a cell: numbers as numbers, instants in the store's time zone, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(store_tz()).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | Decimal | float):
        return value
    return neutralise(str(value))


def _orders(days: DayRange) -> Iterable[tuple]:
    return (
        paid_orders(days=days)
        .order_by("paid_at", "id")
        .values_list("number", "paid_at", "status", "payment_status", "payment_method", "email", "shipping_county",
                     "subtotal", "discount_total", "shipping_fee", "tax_total", "total", "amount_refunded", "currency")
        .iterator(chunk_size=CHUNK)
    )  # fmt: skip


def _order_lines(days: DayRange) -> Iterable[tuple]:
    return (
        OrderLine.objects.filter(order__in=paid_orders(days=days))
        .order_by("order__paid_at", "order_id", "id")
        .values_list("order__number", "order__paid_at", "product_id", "sku", "product_name", "variant_name",
                     "quantity", "unit_price", "line_total")
        .iterator(chunk_size=CHUNK)
    )  # fmt: skip


def _money_last(rows: Iterable[tuple]) -> Iterator[tuple]:
    # SQLite hands a sum of decimals back without its places (1160, not 1160.00): the cell shows cents either way.
    for *rest, amount in rows:
        yield (*rest, Decimal(amount or 0).quantize(CENT))


def _products(days: DayRange) -> Iterable[tuple]:
    """Per product, the units and line totals of the orders paid in the range (line prices, before coupons)."""
    return _money_last(
        OrderLine.objects.filter(order__in=paid_orders(days=days))
        .values("product_id")
        .annotate(name=Max("product_name"), orders=Count("order_id", distinct=True), units=Sum("quantity"),
                  line_totals=Sum("line_total", output_field=MONEY_FIELD, default=ZERO))
        .order_by("-line_totals", "product_id")
        .values_list("product_id", "name", "orders", "units", "line_totals")
        .iterator(chunk_size=CHUNK)
    )  # fmt: skip


def _customers(days: DayRange) -> Iterable[tuple]:
    """Per customer, the orders paid in the range and their totals."""
    return _money_last(
        paid_orders(days=days)
        .values("user_id")
        .annotate(email=Max("user__email"), first_name=Max("user__first_name"), last_name=Max("user__last_name"),
                  orders=Count("id"), spent=Sum("total", output_field=MONEY_FIELD, default=ZERO))
        .order_by("-spent", "user_id")
        .values_list("user_id", "email", "first_name", "last_name", "orders", "spent")
        .iterator(chunk_size=CHUNK)
    )  # fmt: skip


def _repairs(days: DayRange) -> Iterable[tuple]:
    """Repairs received in the range."""
    return (
        RepairRequest.objects.filter(created_at__gte=days.start, created_at__lt=days.end)
        .order_by("created_at", "id")
        .values_list("tracking_code", "created_at", "status", "device_type", "brand", "model", "contact_name",
                     "estimated_cost", "final_cost", "amount_paid", "amount_refunded")
        .iterator(chunk_size=CHUNK)
    )  # fmt: skip


def _tax(days: DayRange) -> Iterable[tuple]:
    """The `tax` report's months (one row a month: already small)."""
    return ((row["period_start"], row["orders"], row["taxable_sales"], row["tax"]) for row in tax_by_month(days=days))


@dataclass(frozen=True)
class Export:
    header: tuple[str, ...]
    source: Callable[[DayRange], Iterable[tuple]]

    def rows(self, days: DayRange) -> Iterator[list]:
        for row in self.source(days):
            yield [_cell(value) for value in row]


EXPORTS: dict[str, Export] = {
    "orders": Export(
        ("number", "paid_at", "status", "payment_status", "payment_method", "email", "county", "subtotal",
         "discount", "shipping", "tax", "total", "refunded", "currency"),
        _orders,
    ),
    "order-lines": Export(
        ("order_number", "paid_at", "product_id", "sku", "product", "variant", "quantity", "unit_price", "line_total"),
        _order_lines,
    ),
    "products": Export(("product_id", "name", "orders", "units", "line_totals"), _products),
    "customers": Export(("user_id", "email", "first_name", "last_name", "orders", "spent"), _customers),
    "repairs": Export(
        ("tracking_code", "received_at", "status", "device_type", "brand", "model", "contact_name",
         "estimated_cost", "final_cost", "amount_paid", "amount_refunded"),
        _repairs,
    ),
    "tax": Export(("period_start", "orders", "taxable_sales", "tax"), _tax),
}  # fmt: skip
KINDS = tuple(EXPORTS)
FORMATS = tuple(CONTENT_TYPES)


def filename(kind: str, days: DayRange, fmt: str) -> str:
    return f"duka-{kind}-{days.first.isoformat()}-to-{days.last.isoformat()}.{fmt}"


class _Echo:
    """A file whose `write` hands the line back, so `csv.writer` can feed a stream."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(kind: str, days: DayRange, *, rows_per_chunk: int = 500) -> Iterator[str]:
    """The CSV as text chunks: a BOM and the header, then the rows a few hundred at a time."""
    export = EXPORTS[kind]
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(export.header)
    buffer = []
    for row in export.rows(days):
        buffer.append(writer.writerow(row))
        if len(buffer) >= rows_per_chunk:
            yield "".join(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer)


def write_xlsx(kind: str, days: DayRange, target) -> None:
    """Write the XLSX to `target` (a path or a binary file) with xlsxwriter's `constant_memory` mode:
    each row goes to disk as it is written. Text is never read as a formula, a number or a URL."""
    export = EXPORTS[kind]
    workbook = Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                 "strings_to_numbers": False, "strings_to_urls": False})  # fmt: skip
    sheet = workbook.add_worksheet(kind[:31])
    sheet.write_row(0, 0, export.header)
    for number, row in enumerate(export.rows(days), start=1):
        sheet.write_row(number, 0, row)
    workbook.close()
