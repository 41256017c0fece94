#!/bin/sh
# What production runs (the container's ENTRYPOINT, `make serve`): static files, migrations,
# then gunicorn in this process's place, so SIGTERM reaches it and it shuts down gracefully.
# With arguments it runs them instead (the worker: scripts/entrypoint.sh python manage.py
# run_worker); only the web migrates.
# MIGRATE_ON_START=0 skips migrate, for several web processes upgraded after one ran it.
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
# Hashed, compressed static file names (settings.STATIC_MANIFEST), for collectstatic and serving.
export STATIC_MANIFEST="${STATIC_MANIFEST:-1}"

if [ "$#" -gt 0 ]; then
  exec "$@"
fi
# Static files first: loading the URLs (migrate's checks do) asks the manifest for names.
"$PYTHON" manage.py collectstatic --noinput --verbosity 0
if [ "${MIGRATE_ON_START:-1}" = "1" ]; then
  "$PYTHON" manage.py migrate --noinput
fi
exec "$PYTHON" -m gunicorn --config gunicorn.conf.py
