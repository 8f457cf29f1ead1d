# Duka: `make run` sets up everything and serves on http://127.0.0.1:8000; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint format migrate seed bench-products fuzz check-deploy prod-smoke clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py seed_demo
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

migrate: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py migrate --noinput

seed: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py seed_demo

# The product list on a 10,000-product catalog; set DATABASE_URL to measure PostgreSQL (see bench/).
bench-products: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) bench/product_list.py --products $${PRODUCTS:-10000}

# A requirements-only install serving with gunicorn, a Celery worker and beat on Redis (see .ci/prod_smoke.sh).
prod-smoke:
	bash .ci/prod_smoke.sh

# Schemathesis over the whole API against gunicorn with demo data, a few minutes (see fuzz/run.sh);
# set DATABASE_URL (and REDIS_URL) to run it on PostgreSQL.
fuzz: install
	VENV=$(VENV) bash fuzz/run.sh

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* media var .pytest_cache .ruff_cache
