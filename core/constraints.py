"""
What a database integrity error says about the request: the kind of constraint and its fields.

Serializers and services check uniqueness before they write, so an `IntegrityError` that escapes
a view means two requests raced for the same value, or a row they relied on went away between the
check and the write. The exception handler answers it 409 and names the field from what the
database reported: PostgreSQL's diagnostics, or SQLite's message.
"""

import re
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.db import IntegrityError, models

UNIQUE = "unique"
FOREIGN_KEY = "foreign_key"
CHECK = "check"
NOT_NULL = "not_null"
UNKNOWN = "unknown"

_POSTGRES_KINDS = {"23505": UNIQUE, "23503": FOREIGN_KEY, "23514": CHECK, "23502": NOT_NULL}
_SQLITE_KINDS = {"UNIQUE": UNIQUE, "FOREIGN KEY": FOREIGN_KEY, "CHECK": CHECK, "NOT NULL": NOT_NULL}
_SQLITE_MESSAGE = re.compile(r"^(?P<kind>UNIQUE|FOREIGN KEY|CHECK|NOT NULL) constraint failed(?:: (?P<rest>.*))?$")
# PostgreSQL's detail: `Key (name)=(Coast) already exists.` or `Key (category_id)=(7) is not present ...`.
_POSTGRES_KEY = re.compile(r"^Key \((?P<columns>[\w, ]+)\)=")


@dataclass(frozen=True)
class Violation:
    kind: str
    fields: tuple[str, ...]
    constraint: str


def violation_of(error: IntegrityError) -> Violation:
    """The kind of constraint `error` broke, the model fields it covers (empty when unknown) and its name."""
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    if diag is not None:  # psycopg
        kind = _POSTGRES_KINDS.get(getattr(cause, "sqlstate", None) or "", UNKNOWN)
        constraint = diag.constraint_name or ""
        key = _POSTGRES_KEY.match(diag.message_detail or "")
        columns = [column.strip() for column in key["columns"].split(",")] if key else []
        if diag.column_name:
            columns = [diag.column_name]
        fields = _constraint_fields().get(constraint) or _fields_of(diag.table_name, columns)
        return Violation(kind, fields, constraint)
    match = _SQLITE_MESSAGE.match(str(error))
    if match is None:
        return Violation(UNKNOWN, (), "")
    kind, rest = _SQLITE_KINDS[match["kind"]], match["rest"] or ""
    if rest.startswith("index '"):  # a named unique index: `index 'user_email_ci_unique'`
        constraint = rest.removeprefix("index '").removesuffix("'")
        return Violation(kind, _constraint_fields().get(constraint, ()), constraint)
    if kind == CHECK:
        return Violation(kind, _constraint_fields().get(rest, ()), rest)
    # `table.column, table.column`
    pairs = [part.strip().split(".", 1) for part in rest.split(",") if "." in part]
    fields = tuple(field for table, column in pairs for field in _fields_of(table, [column]))
    return Violation(kind, fields, rest)


@cache
def _constraint_fields() -> dict[str, tuple[str, ...]]:
    """Every named constraint of the project's models, with the fields it covers."""
    named = {}
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            fields = tuple(getattr(constraint, "fields", ()) or ())
            for expression in getattr(constraint, "expressions", ()) or ():
                fields += tuple(_referenced_fields(expression))
            named[constraint.name] = fields
    return named


def _referenced_fields(expression) -> list[str]:
    if isinstance(expression, models.F):
        return [expression.name]
    return [name for source in expression.get_source_expressions() for name in _referenced_fields(source)]


@cache
def _models_by_table() -> dict[str, type[models.Model]]:
    return {model._meta.db_table: model for model in apps.get_models()}


def _fields_of(table: str | None, columns: list[str]) -> tuple[str, ...]:
    model = _models_by_table().get(table or "")
    if model is None:
        return ()
    by_column = {field.column: field.name for field in model._meta.concrete_fields}
    return tuple(by_column[column] for column in columns if column in by_column)
