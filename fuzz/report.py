"""
What the fuzzer reached: per documented operation, how many requests the server answered with each
status, read from gunicorn's access log. An operation that never answered 2xx was only exercised
on its refusals (bad input, 404, 403): worth a look when adding pools to `fuzz/prepare.py`.

    python fuzz/report.py SCHEMA_URL_OR_FILE ACCESS_LOG
"""

import argparse
import json
import re
import sys
from collections import Counter, defaultdict

import requests

REQUEST = re.compile(r'"([A-Z]+) (\S+) HTTP/[0-9.]+" (\d{3}) ')
METHODS = {"get", "post", "put", "patch", "delete"}


def load_schema(source: str) -> dict:
    if source.startswith("http"):
        return requests.get(source, timeout=30).json()
    with open(source) as schema_file:
        return json.load(schema_file)


def path_patterns(schema: dict) -> list[tuple[re.Pattern, str]]:
    """A regex per templated path; the ones with more literal segments first, so they win ties."""

    def literal_segments(template: str) -> int:
        return sum(1 for segment in template.split("/") if segment and not segment.startswith("{"))

    patterns = []
    for template in sorted(schema["paths"], key=literal_segments, reverse=True):
        regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template.rstrip("/")))
        patterns.append((re.compile(f"^{regex}/?$"), template))
    return patterns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("schema")
    parser.add_argument("access_log")
    args = parser.parse_args()

    schema = load_schema(args.schema)
    patterns = path_patterns(schema)
    operations = {
        f"{method.upper()} {template}": Counter() for template, item in schema["paths"].items() for method in item
        if method in METHODS
    }  # fmt: skip
    elsewhere: defaultdict[str, Counter] = defaultdict(Counter)
    with open(args.access_log, errors="replace") as log:
        for line in log:
            match = REQUEST.search(line)
            if not match:
                continue
            method, target, status = match.groups()
            path = target.split("?", 1)[0]
            template = next((template for pattern, template in patterns if pattern.match(path)), None)
            name = f"{method} {template}"
            if name in operations:
                operations[name][status] += 1
            else:
                elsewhere["undocumented method or path"][status] += 1

    never = [name for name, statuses in operations.items() if not any(s.startswith("2") for s in statuses)]
    width = max(len(name) for name in operations)
    print(f"{'operation'.ljust(width)}  requests  statuses")
    for name, statuses in sorted(operations.items(), key=lambda item: item[0].split(" ", 1)[::-1]):
        mark = " " if name not in never else "!"
        answered = " ".join(f"{status}:{count}" for status, count in sorted(statuses.items()))
        print(f"{name.ljust(width)} {mark}{sum(statuses.values()):>7}  {answered}")
    for name, statuses in elsewhere.items():
        answered = " ".join(f"{status}:{count}" for status, count in sorted(statuses.items()))
        print(f"{name.ljust(width)}  {sum(statuses.values()):>7}  {answered}")
    print(f"\n{len(operations) - len(never)} of {len(operations)} operations answered 2xx at least once", end="")
    print(f"; never (marked !): {len(never)}" if never else ".")


if __name__ == "__main__":
    sys.exit(main())
