# Marelle — the two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
DEMO_CHILDREN ?= 500
FLASK := $(BIN)/flask --app run.py
export FAB_UPDATE_PERMS := False

.PHONY: run test install install-dev translations chromium worker demo-big clean bench bench-portal

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d translations > /dev/null

# Browser tests drive Debian's chromium; never a browser a tool downloads by itself.
chromium:
	@command -v chromium > /dev/null || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium > /dev/null; }

run: install
	@# The demo keeps its well-known logins (README); a real instance runs `marelle init`
	@# without --demo and gets a generated admin password unless ADMIN_PASSWORD is set.
	ADMIN_PASSWORD="$${ADMIN_PASSWORD:-admin}" $(FLASK) marelle init --demo
	$(FLASK) marelle demo --children $(DEMO_CHILDREN)
	@echo ""
	@echo "  Marelle is running at http://127.0.0.1:$(PORT)/"
	@echo "  Logins (password = login): admin / $${ADMIN_PASSWORD:-admin} for admin,"
	@echo "    agent / agent, regisseur / regisseur, animateur / animateur"
	@echo "  Parents' portal: http://127.0.0.1:$(PORT)/portal/ — famille@exemple.fr / famille"
	@echo ""
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Jobs go to RQ workers when REDIS_URL is set; without it they run inside the web process.
worker: install
	@# The scheduler runs the e-mails' retries (rq's Retry with intervals).
	PYTHONPATH=. $(BIN)/rq worker --with-scheduler --url "$${REDIS_URL:?set REDIS_URL}" marelle

test: install-dev chromium
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python bench/demo_load.py --children 20000
	$(BIN)/python bench/bookings.py --children 20000
	$(BIN)/python bench/billing.py --children 20000
	$(BIN)/python bench/pages.py --children 20000
	$(BIN)/python bench/payments.py --children 20000
	$(BIN)/python bench/printing.py --children 2000
	$(BIN)/python bench/messaging.py --children 2000
	$(BIN)/python bench/certificates.py

clean:
	rm -rf $(VENV) instance .pytest_cache

# The portal under load needs PostgreSQL (gunicorn's workers share the database).
bench-portal: install-dev
	@test -n "$${DATABASE_URL}" || { echo "set DATABASE_URL to a PostgreSQL server"; exit 1; }
	$(BIN)/python bench/portal.py --children 20000
