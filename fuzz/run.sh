#!/usr/bin/env bash
# Fuzz the whole API with schemathesis against a server started as production would start it.
#
#   make fuzz                                   # SQLite and a file cache in a temporary folder
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/duka REDIS_URL=redis://127.0.0.1:6379/3 make fuzz
#
# With DATABASE_URL set, a fresh database is created on that server (its name ends in the process
# id) and dropped at the end; the one named in the URL is only used to reach the server.
# Knobs (environment): FUZZ_MAX_TIME (seconds of generated tests, default 240), FUZZ_SEED (default
# 20261122; the same seed replays the same inputs), FUZZ_WORKERS (default 1: CPython 3.11 can fail
# parsing in two threads at once, see fuzz/KNOWN.md), FUZZ_PORT (default: a free one),
# FUZZ_REPORT_DIR (where the reports and the server's logs go; default: a temporary folder, kept
# when the run fails), FUZZ_ARGS (more `schemathesis run` options, e.g. "--include-path-regex
# /orders"), FUZZ_BASELINE (see fuzz/KNOWN.md: a local way to list only the failures not yet
# known; CI never sets it).
# Exits non-zero when schemathesis reports any failure or the server cannot start.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

VENV=${VENV:-.venv}
PY="$VENV/bin/python"
[ -x "$PY" ] || { echo "No virtualenv at $VENV: run 'make install' first."; exit 2; }

MAX_TIME=${FUZZ_MAX_TIME:-240}
SEED=${FUZZ_SEED:-20261122}
WORKERS=${FUZZ_WORKERS:-1}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/duka-fuzz.XXXXXX")
REPORT_DIR=${FUZZ_REPORT_DIR:-$WORK/report}
SERVER_PID=""
FUZZ_DATABASE_URL=""

say() { printf '\n--> %s\n' "$*"; }

cleanup() {
  local status=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "$FUZZ_DATABASE_URL" ]; then
    "$PY" fuzz/database.py drop "$FUZZ_DATABASE_URL" || true
  fi
  if [ "$status" -ne 0 ] && [ -z "${FUZZ_REPORT_DIR:-}" ]; then
    # Keep what explains the failure: the reports and the server's log.
    echo "Reports and the server log are kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- The server's environment: production settings, limits raised for one client sending a lot ---
export DJANGO_DEBUG=false
DJANGO_SECRET_KEY="fuzz-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')"
export DJANGO_SECRET_KEY
export DJANGO_SECURE_SSL_REDIRECT=false
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export MEDIA_ROOT="$WORK/media"
export EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend
# Payments go through the simulated gateway (no Daraja or Stripe here), so checkout, payment and
# refund paths run; the callback token and webhook secret are set so those endpoints are reached.
export PAYMENTS_SIMULATION=true
MPESA_CALLBACK_TOKEN="fuzz$("$PY" -c 'import secrets; print(secrets.token_hex(16))')"
export MPESA_CALLBACK_TOKEN
export STRIPE_WEBHOOK_SECRET="whsec_fuzz"
# One client sends thousands of requests a minute, and fails sign-ins on purpose: the throttles and
# the lockout would turn most of the run into 429s. They are tested by the test suite instead.
export RATE_LIMIT_ANON=1000000/min RATE_LIMIT_USER=1000000/min RATE_LIMIT_AUTH=1000000/min
export LOGIN_FAILURE_LIMIT=1000000
# Keys of this run only, should REDIS_URL point at a Redis database something else uses.
export CACHE_KEY_PREFIX="duka-fuzz-$$"
unset CELERY_BROKER_URL || true  # background work (emails) runs inline in the server

if [ -n "${DATABASE_URL:-}" ]; then
  FUZZ_DATABASE_URL=$("$PY" fuzz/database.py create "$DATABASE_URL" "duka_fuzz_$$")
  export DATABASE_URL="$FUZZ_DATABASE_URL"
  DB_LABEL="PostgreSQL (a fresh database, dropped at the end)"
else
  export DATABASE_URL="sqlite:///$WORK/db.sqlite3"
  DB_LABEL="SQLite ($WORK/db.sqlite3)"
fi

if [ -z "${REDIS_URL:-}" ]; then
  export CACHE_DIR="$WORK/cache"  # the folder both gunicorn workers share, not the developer's var/cache
fi
say "Database: $DB_LABEL; cache: ${REDIS_URL:-files in $CACHE_DIR}"
"$PY" manage.py migrate --noinput >"$WORK/migrate.log"
"$PY" manage.py seed_demo >"$WORK/seed.log" 2>&1
ADMIN_EMAIL=fuzz-admin@duka.local
ADMIN_PASSWORD="Fuzz-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(18))')"
DJANGO_SUPERUSER_EMAIL=$ADMIN_EMAIL DJANGO_SUPERUSER_PASSWORD=$ADMIN_PASSWORD \
  "$PY" manage.py createsuperuser --noinput >/dev/null

PORT=${FUZZ_PORT:-$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
BASE_URL="http://127.0.0.1:$PORT"
say "Starting gunicorn on $BASE_URL (2 workers, DJANGO_DEBUG=false)"
"$VENV/bin/gunicorn" config.wsgi --bind "127.0.0.1:$PORT" --workers 2 --timeout 60 \
  --access-logfile "$WORK/access.log" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do
  if "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$BASE_URL/health" 2>/dev/null; then
    break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; echo "The server did not start."; exit 1; }
  sleep 1
done

say "Preparing the admin's data and the pools of real ids"
export FUZZ_BASE_URL="$BASE_URL" FUZZ_POOLS="$WORK/pools.json"
FUZZ_TOKEN=$("$PY" fuzz/prepare.py --email "$ADMIN_EMAIL" --password "$ADMIN_PASSWORD" --pools "$FUZZ_POOLS")
export FUZZ_TOKEN

BASELINE_ARGS=()
if [ -n "${FUZZ_BASELINE:-}" ]; then
  BASELINE_ARGS=(--baseline "$FUZZ_BASELINE")
  echo "!! FUZZ_BASELINE=$FUZZ_BASELINE: failures recorded there are NOT counted. Local triage only; CI never sets it."
fi

say "schemathesis $("$VENV/bin/schemathesis" --version | awk '{print $NF}'): every phase, ${MAX_TIME}s budget, seed $SEED"
mkdir -p "$REPORT_DIR"
set +e
# shellcheck disable=SC2086  # FUZZ_ARGS is a list of options
SCHEMATHESIS_HOOKS=fuzz.hooks PYTHONPATH="$ROOT" "$VENV/bin/schemathesis" --config-file fuzz/schemathesis.toml run \
  "$BASE_URL/api/schema/?format=json" \
  --url "$BASE_URL" \
  --header "Authorization: Bearer $FUZZ_TOKEN" \
  --phases examples,coverage,fuzzing,stateful \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-time "$MAX_TIME" --seed "$SEED" --workers "$WORKERS" \
  --report junit,ndjson --report-dir "$REPORT_DIR" \
  "${BASELINE_ARGS[@]}" ${FUZZ_ARGS:-} \
  --no-color
STATUS=$?
set -e

say "What the server answered, per operation (from its access log)"
"$PY" fuzz/report.py "$BASE_URL/api/schema/?format=json" "$WORK/access.log" | tee "$REPORT_DIR/operations.txt"

cp "$WORK/server.log" "$WORK/access.log" "$REPORT_DIR/"
ERRORS=$(grep -c -E '(Internal Server Error|Traceback)' "$WORK/server.log" || true)
say "Server log: $ERRORS tracebacks or internal errors logged"
if [ "$ERRORS" -gt 0 ]; then
  grep -E -B2 -A25 'Traceback' "$WORK/server.log" | head -200
fi
if [ "$STATUS" -ne 0 ]; then
  echo
  echo "FUZZ FAILED (schemathesis exit $STATUS). Each failure above has a curl line to replay it against"
  echo "a server started the same way; FUZZ_SEED=$SEED with the same FUZZ_ARGS replays the run."
  exit "$STATUS"
fi
echo "FUZZ PASSED"
