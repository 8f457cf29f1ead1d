"""
Schemathesis hooks for `fuzz/run.sh`: path parameters drawn from resources that exist.

Generated ids almost never name a product, order or payment of the demo shop, so most operations
would only ever answer 404. `fuzz/prepare.py` writes, per templated path, the path parameters of
real resources (FUZZ_POOLS); here a positive case gets one of them in four cases out of five. The
fifth keeps the generated value (the 404 path is tested too), and so does a case whose path
parameters are deliberately invalid (negative), and a stateful step, whose ids come from the
responses before it. The choice is a checksum of the generated case, not a random draw, so one seed
replays the same run.
"""

import json
import os
import zlib

import schemathesis
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import TestPhase

with open(os.environ["FUZZ_POOLS"]) as pools_file:
    POOLS: dict[str, list[dict]] = json.load(pools_file)

KEEP_GENERATED_ONE_IN = 5


def pool_for(path: str, names: set[str]) -> list[dict]:
    """The pool of the longest templated path that `path` starts with and that names every parameter."""
    candidates = [
        template
        for template, rows in POOLS.items()
        if rows and path.startswith(template.rstrip("/")) and set(rows[0]) == names
    ]
    return POOLS[max(candidates, key=len)] if candidates else []


@schemathesis.hook
def map_case(context, case):
    if not case.path_parameters:
        return case
    meta = case.meta
    if meta is not None:
        path_info = meta.components.get(ParameterLocation.PATH)
        if meta.phase.name == TestPhase.STATEFUL or (path_info and path_info.mode == GenerationMode.NEGATIVE):
            return case
    pool = pool_for(case.operation.path, set(case.path_parameters))
    if not pool:
        return case
    checksum = zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode())
    if checksum % KEEP_GENERATED_ONE_IN == 0:
        return case
    case.path_parameters = {**case.path_parameters, **pool[checksum // KEEP_GENERATED_ONE_IN % len(pool)]}
    return case
