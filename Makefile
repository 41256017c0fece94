# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DTLPY_VENV := .venv-dtlpy
HOST ?= 127.0.0.1
PORT ?= 8000
# Creates the venv if missing and installs into it: uv where it serves (about 1 s against
# pip's 15), pip otherwise (scripts/venv_install.sh).
PIP_INSTALL = PYTHON=$(PYTHON) bash scripts/venv_install.sh $(VENV)

.PHONY: run serve test test-packages lint format screenshots aws-emulator clean

$(VENV)/.runtime: requirements.txt scripts/venv_install.sh
	$(PIP_INSTALL) -r requirements.txt
	@# Put the repo and the SDK (sdk/, its own distribution) on the venv's path, so scripts
	@# anywhere can `import integrations_site` and `import integrations_sdk`.
	$(PY) -c "import os, sysconfig; open(os.path.join(sysconfig.get_path('purelib'), 'integrations_site.pth'), 'w').write(os.getcwd() + chr(10) + os.path.join(os.getcwd(), 'sdk') + chr(10))"
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $@

.env: | $(VENV)/.runtime
	$(PY) -m integrations_site.devenv

run: $(VENV)/.runtime .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_demo
	@echo "Open http://$(HOST):$(PORT)/ and sign in with the login above (Ctrl-C stops the server)."
	$(PY) manage.py runserver $(HOST):$(PORT)

# What production runs (scripts/entrypoint.sh: collectstatic, migrate, gunicorn) on DEBUG=0,
# with the keys of the development .env. Cookies and redirects stay plain HTTP for localhost.
serve: $(VENV)/.runtime .env
	DEBUG=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SECURE_SSL_REDIRECT=0 \
	HOST=$(HOST) PORT=$(PORT) PATH="$(CURDIR)/$(VENV)/bin:$$PATH" scripts/entrypoint.sh

# The platform's own SDK (dtlpy), unchanged and pinned, in its own venv: tests/dtlpy_compat runs
# it against a live server. Created once, reused; fetched from PyPI.
$(DTLPY_VENV)/.installed: requirements-dtlpy.txt scripts/venv_install.sh
	PYTHON=$(PYTHON) bash scripts/venv_install.sh $(DTLPY_VENV) -r requirements-dtlpy.txt
	touch $@

# Debian packages the tests run (chromium, docker-registry): installed as root, else one clear message.
test-packages:
	@bash scripts/ensure_test_packages.sh

# axe-core (the accessibility checker the browser tests run in each page), from the npm registry
# at a pinned version, into tests/browser/vendor/ (not committed).
AXE_VERSION := 4.14.1
AXE := tests/browser/vendor/axe.min.js
$(AXE):
	rm -rf .artifacts/axe && mkdir -p .artifacts/axe $(dir $(AXE))
	npm install --silent --no-audit --no-fund --prefix .artifacts/axe axe-core@$(AXE_VERSION)
	cp .artifacts/axe/node_modules/axe-core/axe.min.js $(AXE)

test: test-packages $(VENV)/.dev $(DTLPY_VENV)/.installed $(AXE)
	$(PY) -m pytest

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.dev
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Refresh the README screenshots from the browser tests.
screenshots: test-packages $(VENV)/.dev $(AXE)
	SCREENSHOT_DIR=docs $(PY) -m pytest tests/browser

# Load benchmark: gunicorn on PostgreSQL and Redis (127.0.0.1) at 10 and 10k integrations
# (INTEGRATIONS_BENCH_SIZES; BENCH_ARGS=--full adds 100k): req/s and p50/p99 of every path of
# issue 13 against a hello-world view, queries per request, worker peak memory, key rotation
# (scripts/bench_serve.py). bench-startup: runserver's first response against a minimal Django.
.PHONY: bench bench-startup
bench: $(VENV)/.dev
	$(PY) scripts/bench_serve.py $(BENCH_ARGS)

bench-startup: $(VENV)/.runtime
	$(PY) scripts/bench_startup.py

# A local AWS (moto, IAM enforced) with demo keys; then: AWS_ENDPOINT_URL=http://127.0.0.1:5000 make run
aws-emulator: $(VENV)/.dev
	$(PY) scripts/aws_emulator.py

clean:
	rm -rf $(VENV) $(DTLPY_VENV) .pytest_cache .ruff_cache
