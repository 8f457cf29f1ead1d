"""
Schemathesis hooks for `fuzz/run.sh`: ids of resources that exist, in paths and bodies.

Generated ids almost never name a product, order or payment of the demo shop, so most operations
would only ever answer 404 or "does not exist". `fuzz/prepare.py` writes (FUZZ_POOLS) the path
parameters of real resources per templated path, and real ids per body field (`variant_id`,
`category`, `products`, …). A case whose path, or body, was generated valid (positive) gets real
values in four cases out of five; the fifth keeps what was generated, so unknown ids are tested
too. Deliberately invalid (negative) parts are left alone, and so are stateful steps, whose ids come
from the responses before them. Choices are a checksum of the generated case, not a random draw, so
one seed replays the same run.
"""

import json
import os
import zlib

import schemathesis
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import TestPhase

with open(os.environ["FUZZ_POOLS"]) as pools_file:
    POOLS = json.load(pools_file)

KEEP_GENERATED_ONE_IN = 5
LIST_FIELDS = {"products", "categories"}


def pool_for(path: str, names: set[str]) -> list[dict]:
    """The pool of the longest templated path that `path` starts with and that names every parameter."""
    candidates = [
        template
        for template, rows in POOLS["paths"].items()
        if rows and path.startswith(template.rstrip("/")) and set(rows[0]) == names
    ]
    return POOLS["paths"][max(candidates, key=len)] if candidates else []


def is_positive(case, location: ParameterLocation) -> bool:
    info = case.meta.components.get(location) if case.meta else None
    return info is None or info.mode != GenerationMode.NEGATIVE


class Picker:
    """Deterministic choices from one case's checksum; `None` when this case keeps its generated value."""

    def __init__(self, case) -> None:
        self.seed = zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode())

    def pick(self, pool: list):
        self.seed = zlib.crc32(self.seed.to_bytes(4, "big"))
        if not pool or self.seed % KEEP_GENERATED_ONE_IN == 0:
            return None
        return pool[self.seed // KEEP_GENERATED_ONE_IN % len(pool)]


def real_body(body: dict, fields: dict[str, list], picker: Picker) -> dict:
    """`body` with its id fields, at the top or in objects of a list (`items`), set to real ids."""
    changed = dict(body)
    for name, value in body.items():
        if name in LIST_FIELDS and isinstance(value, list):
            chosen = picker.pick(fields.get(name, []))
            changed[name] = value if chosen is None else [chosen]
        elif name in fields and not isinstance(value, (dict, list)):
            chosen = picker.pick(fields[name])
            changed[name] = value if chosen is None else chosen
        elif isinstance(value, list):
            changed[name] = [real_body(item, fields, picker) if isinstance(item, dict) else item for item in value]
    return changed


@schemathesis.hook
def map_case(context, case):
    if case.meta is not None and case.meta.phase.name == TestPhase.STATEFUL:
        return case
    picker = Picker(case)
    if case.path_parameters and is_positive(case, ParameterLocation.PATH):
        chosen = picker.pick(pool_for(case.operation.path, set(case.path_parameters)))
        if chosen is not None:
            case.path_parameters = {**case.path_parameters, **chosen}
    if isinstance(case.body, dict) and is_positive(case, ParameterLocation.BODY):
        operation = f"{case.operation.method.upper()} {case.operation.path}"
        fields = {**POOLS["fields"], **POOLS["operation_fields"].get(operation, {})}
        case.body = real_body(case.body, fields, picker)
    return case
