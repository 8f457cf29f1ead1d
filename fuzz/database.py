"""
Create or drop the fuzz run's own PostgreSQL database, on the server a DATABASE_URL points at.

    python fuzz/database.py create postgres://postgres@127.0.0.1:5432/duka duka_fuzz_123   # prints its URL
    python fuzz/database.py drop postgres://postgres@127.0.0.1:5432/duka_fuzz_123

The database named in the given URL is only used to connect (CREATE/DROP DATABASE cannot run in the
database they act on); the rest of the URL (user, password, host, port, options) is kept.
"""

import argparse
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def database_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def admin_connection(url: str) -> psycopg.Connection:
    # The maintenance database every PostgreSQL server has.
    return psycopg.connect(with_database(url, "postgres"), autocommit=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create")
    create.add_argument("url")
    create.add_argument("name")
    drop = sub.add_parser("drop")
    drop.add_argument("url")
    args = parser.parse_args()

    if not args.url.startswith(("postgres://", "postgresql://")):
        sys.exit(f"Only PostgreSQL URLs are handled here, not {args.url.split(':', 1)[0]}.")
    if args.command == "create":
        with admin_connection(args.url) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(args.name)))
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(args.name)))
        print(with_database(args.url, args.name))
    else:
        with admin_connection(args.url) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database_of(args.url)))
            )


if __name__ == "__main__":
    main()
