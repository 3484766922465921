# tierdesk: `make run` starts the desk with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Pure modules (no Django inside) are checked with mypy --strict.
STRICT :=
STRICT += sla/calendar.py
STRICT += slawatch/chart.py
STRICT += tickets/rules.py
STRICT += tierdesk/env.py
STRICT += core/signing.py
STRICT += infogerencia/pricing.py
STRICT += infogerencia/pdf.py
STRICT += triage/rules.py
STRICT += triage/probes.py
STRICT += triage/monitoring.py
STRICT += notifications/mailparse.py
STRICT += console/charts.py
STRICT += guides/content.py
STRICT += infogerencia/slots.py
STRICT += infogerencia/vat.py
STRICT += infogerencia/sepa.py
STRICT += scripts/import_graph.py
STRICT += scripts/public_api.py

.PHONY: run test venv catalogues lint check-migrations pytest clean messages

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt package.json
	@if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then \
		PYTHON=$$(scripts/find-python) || exit 1; \
		echo "Creating the virtualenv with $$PYTHON"; \
		rm -rf $(VENV); "$$PYTHON" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@# axe-core for the accessibility checks in the browser tests (node_modules/ is git-ignored).
	@if command -v npm >/dev/null 2>&1; then npm install --no-audit --no-fund --silent; \
	else echo "npm not found: the accessibility checks will be skipped (they fail under CI=true)"; fi
	@touch $(STAMP)

catalogues: venv
	@$(PY) scripts/compile_catalogues.py

run: venv catalogues
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(PY) manage.py load_demo
	TIERDESK_EMAIL_BACKEND=console $(PY) manage.py run_desk

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/mypy --strict $$(ls $(STRICT) 2>/dev/null)
	@# The layers (docs/architecture.md): no cycle between apps, no import running back up.
	$(PY) scripts/import_graph.py --check --format summary
	@# Django's and the libraries' public API only: no private name of another package.
	TIERDESK_DATA_DIR=$$(mktemp -d) $(PY) scripts/public_api.py

check-migrations: venv
	TIERDESK_DATA_DIR=$$(mktemp -d) $(PY) manage.py makemigrations --check --dry-run

test: venv catalogues lint check-migrations
	@scripts/run-tests
