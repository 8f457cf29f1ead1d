#!/usr/bin/env bash
# A production install from requirements.txt alone, run as the README's "Running in production" says:
# a fresh virtualenv (no dev requirements), its own PostgreSQL database, Redis as cache and broker,
# gunicorn with two workers, a Celery worker and Celery beat. Passes when /health answers 200 with the
# broker "ok", a verification email queued through the API is sent by the worker, and a job that beat
# scheduled is run by the worker. Everything it starts or creates is removed at exit; logs are printed
# on failure. Run by .ci/run, or by hand: `bash .ci/prod_smoke.sh` (or `make prod-smoke`).
#
# Needs python3, curl, PostgreSQL on PG_HOST:PG_PORT (user PG_USER, trust auth) and Redis. It empties
# the Redis database SMOKE_REDIS_URL names (default 14: the tests use 15), before and after.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
SMOKE_REDIS_URL=${SMOKE_REDIS_URL:-redis://127.0.0.1:6379/14}
WAIT_HEALTH_SECONDS=60
WAIT_EMAIL_SECONDS=30
WAIT_BEAT_SECONDS=100 # beat sends its every-minute jobs a minute after it starts

WORK=$(mktemp -d)
VENV="$WORK/venv"
VPY="$VENV/bin/python"
DB_NAME="duka_smoke_$$_$(date +%s)"
PIDS=()
NAMES=()

say() { printf '  - [%3ss] %s\n' "$SECONDS" "$*"; }

# A child that has exited stays a zombie until waited for: that is not running.
running() { [ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

# start NAME COMMAND...: runs COMMAND in the background, its output in $WORK/NAME.log.
start() {
  local name=$1
  shift
  "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  NAMES+=("$name")
}

# Fails at once if a process started here has exited: waiting on would only hide why.
all_running() {
  local i
  for i in "${!PIDS[@]}"; do
    running "${PIDS[$i]}" || { echo "${NAMES[$i]} exited (see ${NAMES[$i]}.log below)"; return 2; }
  done
}

# wait_for SECONDS WHAT CONDITION: polls the shell command CONDITION about once a second.
wait_for() {
  local seconds=$1 what=$2 condition=$3 deadline=$((SECONDS + $1))
  while [ "$SECONDS" -lt "$deadline" ]; do
    all_running || exit 1
    if eval "$condition"; then return 0; fi
    sleep 1
  done
  echo "Timed out after ${seconds}s waiting for: $what"
  exit 1
}

# Asks every process started here to stop, and kills any still running 20 s later.
stop_all() {
  local i
  [ "${#PIDS[@]}" -gt 0 ] || return 0
  kill -TERM "${PIDS[@]}" 2>/dev/null || true
  for i in "${!PIDS[@]}"; do
    for _ in $(seq 100); do running "${PIDS[$i]}" || break; sleep 0.2; done
    if running "${PIDS[$i]}"; then
      echo "${NAMES[$i]} did not stop within 20 s of SIGTERM: killed"
      kill -KILL "${PIDS[$i]}" 2>/dev/null || true
    fi
  done
  wait "${PIDS[@]}" 2>/dev/null || true
  PIDS=()
  NAMES=()
}

cleanup() {
  local status=$?
  stop_all
  if [ "$status" -ne 0 ]; then
    for log in "$WORK"/*.log; do
      if [ -f "$log" ]; then printf '\n----- %s -----\n' "$(basename "$log")"; tail -n 60 "$log"; fi
    done
  fi
  if [ -n "${DB_CREATED:-}" ]; then
    dropdb --if-exists -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$DB_NAME" || true
  fi
  if [ -x "$VPY" ]; then
    "$VPY" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$SMOKE_REDIS_URL" 2>/dev/null || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT

say "virtualenv from requirements.txt alone"
python3 -m venv "$VENV"
"$VPY" -m pip install --disable-pip-version-check --no-compile -r requirements.txt >"$WORK/pip.log" 2>&1
"$VPY" -m pip check >>"$WORK/pip.log"

# The environment of a production server: nothing from the caller's shell decides what is tested.
unset CELERY_BROKER_URL CACHE_DIR CACHE_KEY_PREFIX PYTHONPATH || true
export DJANGO_SETTINGS_MODULE=config.settings DJANGO_DEBUG=false
export DJANGO_SECRET_KEY="smoke-$("$VPY" -c 'import secrets; print(secrets.token_urlsafe(48))')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_SECURE_SSL_REDIRECT=false
export DATABASE_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/$DB_NAME"
export REDIS_URL="$SMOKE_REDIS_URL"
export EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
export EMAIL_FILE_PATH="$WORK/mail"
export MEDIA_ROOT="$WORK/media"

say "database $DB_NAME, Redis $SMOKE_REDIS_URL; Celery beat (its first jobs are due in a minute)"
"$VPY" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$SMOKE_REDIS_URL"
createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$DB_NAME"
DB_CREATED=1
start beat "$VENV/bin/celery" -A config beat --loglevel INFO --schedule "$WORK/celerybeat-schedule"

say "every module outside the tests imports without the dev requirements"
"$VPY" - <<'EOF'
import importlib
import pathlib

import django

django.setup()
names = sorted(
    ".".join(path.with_suffix("").parts).removesuffix(".__init__")
    for path in pathlib.Path(".").rglob("*.py")
    if path.parts[0] not in ("bench", "fuzz", ".venv")  # tools run from the dev requirements
    and not {"tests", "migrations"} & set(path.parts)
    and path.name not in ("conftest.py", "manage.py")
    and not path.name.startswith("pytest_")  # pytest plugins (core/pytest_env.py, core/pytest_schema.py)
)
for name in names:
    importlib.import_module(name)
print(f"    {len(names)} modules")
EOF

say "migrate"
"$VPY" manage.py migrate --noinput >"$WORK/migrate.log"

PORT=$("$VPY" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
BASE="http://127.0.0.1:$PORT"
say "a Celery worker, gunicorn (2 workers) on $BASE"
start worker "$VENV/bin/celery" -A config worker --loglevel INFO --concurrency 1 --without-mingle --without-gossip
start gunicorn "$VENV/bin/gunicorn" config.wsgi --bind "127.0.0.1:$PORT" --workers 2

say "/health answers 200 with the broker ok"
health() { curl -s -o "$WORK/health.json" -w '%{http_code}' "$BASE/health" 2>/dev/null || true; }
wait_for "$WAIT_HEALTH_SECONDS" "/health to answer 200" '[ "$(health)" = 200 ]'
"$VPY" -c "import json, sys; checks = json.load(open(sys.argv[1]))['checks']; print('   ', checks); \
assert checks == {'database': 'ok', 'cache': 'ok', 'broker': 'ok'}, checks" "$WORK/health.json"

say "a registration's verification email is sent by the worker"
EMAIL="smoke-$$@example.com"
status=$(curl -s -o "$WORK/register.json" -w '%{http_code}' -X POST "$BASE/api/v1/auth/register" \
  -H 'Content-Type: application/json' \
  -d "{\"email\": \"$EMAIL\", \"password\": \"Smoke-Test!2026\", \"first_name\": \"Smoke\", \"last_name\": \"Test\"}")
[ "$status" = 201 ] || { echo "register answered $status: $(cat "$WORK/register.json")"; exit 1; }
wait_for "$WAIT_EMAIL_SECONDS" "the verification email in $EMAIL_FILE_PATH" 'grep -qs "To: $EMAIL" "$EMAIL_FILE_PATH"/*'
grep -q "core.tasks.send_email.*succeeded" "$WORK/worker.log"

say "beat sends orders.tasks.reservations_expire and the worker runs it"
wait_for "$WAIT_BEAT_SECONDS" "the worker to run a job sent by beat" \
  'grep -q "orders.tasks.reservations_expire.*succeeded" "$WORK/worker.log"'
grep -q "Sending due task orders-expire-reservations" "$WORK/beat.log"

stop_all
say "production install: ok (everything stopped)"
