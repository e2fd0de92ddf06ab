# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint fmt check-migrations check-deploy clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@ $(VENV)/.run-installed

## Web, Celery worker and beat on the embedded defaults (SQLite, filesystem broker), demo data.
run: $(VENV)/.run-installed
	mkdir -p var
	export PATH="$(CURDIR)/$(BIN):$$PATH" DJANGO_DEBUG=$${DJANGO_DEBUG:-1} WEB_BIND=$${WEB_BIND:-127.0.0.1:8000} && \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0 && \
	$(BIN)/python manage.py seed_demo && \
	echo "peergroups is starting on http://$$WEB_BIND (Ctrl-C stops web, worker and beat)" && \
	exec $(BIN)/honcho --no-colour start -f Procfile

## The test suite. Uses DATABASE_URL / REDIS_URL when set; REQUIRE_SERVICES=1 makes them mandatory.
test: $(VENV)/.dev-installed
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: $(VENV)/.dev-installed
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

check-deploy: $(VENV)/.dev-installed
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DJANGO_ALLOWED_HOSTS=peergroups.example.edu SITE_URL=https://peergroups.example.edu \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var/staticfiles var/broker

## Group formation benchmark: time, scores, random baseline, exact oracle on small pools.
.PHONY: bench-formation
bench-formation: $(VENV)/.dev-installed
	$(BIN)/python -m tests.perf.bench_formation
