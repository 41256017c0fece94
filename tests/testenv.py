"""Loaded with `-p tests.testenv` (pyproject addopts) before pytest-django imports settings.

Settings read the environment at import, so the suite's environment must exist first. A
developer's `.env` is not read (ENV_FILE=""); DATABASE_URL may still come from the caller
(CI runs the suite on PostgreSQL that way). These keys exist only for tests."""

import base64
import os

os.environ["ENV_FILE"] = ""
os.environ["DEBUG"] = "0"
os.environ["SECRET_KEY"] = "test-secret-key-for-the-suite-only-" + "x" * 30
os.environ["INTEGRATIONS_ENCRYPTION_KEYS"] = "test1:" + base64.b64encode(b"t" * 32).decode()
os.environ["PLATFORM_NAME"] = "Dataloop"
os.environ["API_TOKEN_SIGNING_KEY"] = "test-api-token-signing-key-for-the-suite-" + "s" * 8
# One connection per request in the suite: a live server's request thread that a keep-alive
# client (the SDK, the browser) leaves waiting would otherwise hold its connection, and
# PostgreSQL refuses to drop the test database. The scale-out test runs production's default.
os.environ.setdefault("DATABASE_CONN_MAX_AGE_SECONDS", "0")
# The live server for browser tests speaks plain HTTP.
os.environ["SESSION_COOKIE_SECURE"] = "0"
os.environ["CSRF_COOKIE_SECURE"] = "0"
# AWS: never the real endpoints or this machine's AWS profile. A closed loopback port answers
# "connection refused" at once; tests that need AWS start moto's server and point here.
os.environ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
    os.environ.pop(name, None)
