# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DTLPY_VENV := .venv-dtlpy
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test test-packages lint format screenshots aws-emulator clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@# Put the repo on the venv's path so scripts anywhere can `import integrations_site.sdk`.
	$(PY) -c "import os, sysconfig; open(os.path.join(sysconfig.get_path('purelib'), 'integrations_site.pth'), 'w').write(os.getcwd() + chr(10))"
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
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
# it against a live server. Created once, reused; pip fetches it from PyPI.
$(DTLPY_VENV)/.installed: requirements-dtlpy.txt
	test -x $(DTLPY_VENV)/bin/python || $(PYTHON) -m venv $(DTLPY_VENV)
	$(DTLPY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dtlpy.txt
	touch $@

# Debian packages the tests run (chromium, docker-registry): installed as root, else one clear message.
test-packages:
	@bash scripts/ensure_test_packages.sh

test: test-packages $(VENV)/.dev $(DTLPY_VENV)/.installed
	$(PY) -m pytest

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.dev
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Refresh the README screenshots from the browser tests.
screenshots: test-packages $(VENV)/.dev
	SCREENSHOT_DIR=docs $(PY) -m pytest tests/browser

# Load benchmark: gunicorn on PostgreSQL and Redis (127.0.0.1), ~1 minute of loopback traffic;
# prints req/s and p50/p99 of three paths, each against a hello-world view (scripts/bench_serve.py).
.PHONY: bench
bench: $(VENV)/.runtime
	$(PY) scripts/bench_serve.py

# A local AWS (moto, IAM enforced) with demo keys; then: AWS_ENDPOINT_URL=http://127.0.0.1:5000 make run
aws-emulator: $(VENV)/.dev
	$(PY) scripts/aws_emulator.py

clean:
	rm -rf $(VENV) $(DTLPY_VENV) .pytest_cache .ruff_cache
