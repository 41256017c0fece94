# The site as one image: the web (default) and, with a command, the worker (compose.yaml).
# No secret is baked in: SECRET_KEY, INTEGRATIONS_ENCRYPTION_KEYS and the database password
# come from the environment at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    STATIC_MANIFEST=1 \
    STATIC_ROOT=/app/staticfiles \
    LOG_FORMAT=json \
    PROMETHEUS_MULTIPROC_DIR=/tmp/metrics

WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --no-create-home --home-dir /app app

COPY requirements.txt .
RUN pip install -r requirements.txt

# The code belongs to root and is read-only for the app; only the static files are its.
COPY . .
# Bytecode built once here: the app can't write it (read-only code, PYTHONDONTWRITEBYTECODE), so
# without it every process start compiles each of the site's modules again.
RUN python -m compileall -q integrations_site sdk
# Hashed, compressed static files in the image (DEBUG=1 only so settings load without the
# run-time secrets); the entrypoint's collectstatic refreshes them, so the app owns them.
RUN DEBUG=1 python manage.py collectstatic --noinput --verbosity 0 \
    && chown -R app:app /app/staticfiles

USER app
EXPOSE 8000
# Sends the first ALLOWED_HOSTS entry (or HEALTHCHECK_HOST) as Host: the Host check stays on.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "scripts/healthcheck.py"]
ENTRYPOINT ["scripts/entrypoint.sh"]
