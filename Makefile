# Aftersales — `make run` for the demo, `make test` for the tests. Both set everything up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist: both cores of the CI machine (measured: docs/testing.md); tests sharing a
# server or a module's data stay on one worker (tests/conftest.py, `--dist loadgroup`).
TEST_WORKERS ?= 2
XDIST := -n $(TEST_WORKERS) --dist loadgroup

.PHONY: run setup demo test test-fast test-browser fuzz lint format messages bench chromium dovecot redis pdf-deps pg-client clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(STAMP)

# Quiet on purpose: `make run`'s first screen is the log-in table, not fifty migrations.
setup: $(STAMP) pdf-deps pg-client
	@echo "Preparing the database and the translations in var/ ..."
	@$(PY) manage.py migrate --noinput --verbosity 0 --skip-checks
	@$(PY) manage.py compile_messages_check --compile --skip-checks

demo: setup
	@$(PY) manage.py seed_demo --skip-checks

# The web server and the worker; Ctrl-C stops both (aftersales/demo/management/commands/run_demo.py).
# Another address: make run HOST=0.0.0.0 PORT=8080
run: demo
	@$(PY) manage.py run_demo --host $(HOST) --port $(PORT)

# Debian's chromium drives the browser tests (nothing is downloaded by Playwright itself).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; fi; }

# WeasyPrint (generated PDFs) needs Pango and HarfBuzz from Debian, and Chinese needs a CJK
# font: Debian's Noto Sans CJK, so the PDFs render the same on every fresh machine.
pdf-deps:
	@{ ldconfig -p | grep -q libpangoft2-1.0.so.0 && ldconfig -p | grep -q libharfbuzz-subset.so.0 \
	   && fc-list 2>/dev/null | grep -q "Noto Sans CJK SC"; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk; fi; }

# Debian's dovecot is the real IMAP server of the e-mail-in tests (started by the tests
# themselves on a free port; the system service is not used).
dovecot:
	@command -v dovecot >/dev/null 2>&1 || test -x /usr/sbin/dovecot || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd; fi; }

# Debian's Redis: the queue of the several-processes test on PostgreSQL (tests/postgres/
# test_several_processes.py) and the Redis queue test; .ci/run starts it when it is not running.
redis:
	@command -v redis-server >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; fi; }

# `manage.py backup` / `restore` on PostgreSQL run Debian's pg_dump and pg_restore (its major
# version at least the server's); the backup test uses them when DATABASE_URL is PostgreSQL.
pg-client:
	@command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client; fi; }

test: $(STAMP) chromium dovecot redis pdf-deps pg-client
	$(PY) manage.py compile_messages_check --compile
	$(PY) -m pytest $(XDIST)

test-fast: $(STAMP) pdf-deps
	$(PY) -m pytest $(XDIST) -m "not browser and not postgres and not fuzz"

# Schemathesis against the OpenAPI schema (also part of `make test`); FUZZ_EXAMPLES=200 digs deeper.
fuzz: $(STAMP)
	$(PY) -m pytest -m fuzz tests/api/test_fuzz.py

# mypy's files (the kernel, the mechanisms, the case's domain core) are listed in pyproject.toml.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Extract strings (needs GNU gettext's xgettext) and compile the catalogue (pure Python).
messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --add-location file -i ".venv/*" -i "var/*" -i "bench/*" -i "tests/*"
	$(PY) manage.py makemessages -d djangojs -l zh_Hans --no-obsolete -i ".venv/*" -i "var/*" || true
	$(PY) manage.py compile_messages_check --compile

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var test-artifacts
