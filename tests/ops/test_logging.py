"""Request ids, and JSON log lines (LOG_FORMAT=json) behind the secret mask."""

import copy
import json
import logging.config
import re
import uuid
from io import StringIO

import pytest
from django.conf import settings as django_settings

from tests.factories import CANARY_SECRET

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def test_a_valid_request_id_is_kept(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123-DEF")
    assert response["X-Request-ID"] == "abc-123-DEF"


@pytest.mark.parametrize(
    "given", ["", "has space", "under_score", "x" * 65, "new\nline", "ünïcode", "a;b"]
)
def test_an_invalid_or_missing_request_id_is_replaced(client, db, given):
    extra = {"HTTP_X_REQUEST_ID": given} if given else {}
    response = client.get("/healthz", **extra)
    assert UUID.fullmatch(response["X-Request-ID"]), response["X-Request-ID"]


def test_every_response_gets_a_request_id_even_an_error(client, db):
    assert client.get("/no/such/page/")["X-Request-ID"]
    assert client.get("/healthz", HTTP_HOST="evil.example")["X-Request-ID"]


@pytest.fixture
def json_logs():
    """The site's LOGGING as configured, with LOG_FORMAT=json, written into a buffer."""
    stream = StringIO()
    config = copy.deepcopy(django_settings.LOGGING)
    config["handlers"]["console"]["formatter"] = "json"
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)
    try:
        yield stream
    finally:
        logging.config.dictConfig(django_settings.LOGGING)


def lines(stream: StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_request_user_and_org_ids(json_logs, admin_http, org, org_admin):
    missing = uuid.uuid4()
    response = admin_http.get(f"/integrations/{missing}/delete/", HTTP_X_REQUEST_ID="rid-json-1")
    assert response.status_code == 404
    records = [r for r in lines(json_logs) if r["request_id"] == "rid-json-1"]
    assert records, json_logs.getvalue()
    record = records[-1]
    assert set(record) >= {"time", "level", "logger", "message", "request_id", "user_id", "org_id"}
    assert record["level"] == "WARNING" and record["logger"] == "django.request"
    assert record["user_id"] == org_admin.pk
    assert record["org_id"] == str(org.pk)


def test_json_lines_pass_the_secret_mask(json_logs, client, db):
    response = client.get(f"/nothing/password={CANARY_SECRET}/", HTTP_X_REQUEST_ID="rid-canary")
    assert response.status_code == 404
    logging.getLogger("integrations_site.tests").error("key %s", CANARY_SECRET)
    try:
        raise RuntimeError(f"secret_access_key={CANARY_SECRET}")
    except RuntimeError:
        logging.getLogger("integrations_site.tests").exception("failed")
    output = json_logs.getvalue()
    assert CANARY_SECRET not in output and "CanarySecret" not in output
    records = lines(json_logs)
    assert any(r["request_id"] == "rid-canary" for r in records), output
    outside = [r for r in records if r["logger"] == "integrations_site.tests"]
    assert len(outside) == 2 and outside[0]["request_id"] is None
    assert "exception" in outside[1] and "RuntimeError" in outside[1]["exception"]


def test_runservers_request_log_with_a_socket_as_request_is_written(json_logs):
    """runserver's own access log (django.server) hands its socket as `request`: the line is
    written with no request context, instead of the filter raising on every request."""
    import socket

    with socket.socket() as sock:
        logging.getLogger("django.server").info(
            '"%s" %s %s', "GET / HTTP/1.1", "200", "5", extra={"request": sock, "status_code": 200}
        )
    (record,) = [r for r in lines(json_logs) if r["logger"] == "django.server"]
    assert record["message"] == '"GET / HTTP/1.1" 200 5'
    assert (record["request_id"], record["user_id"], record["org_id"]) == (None, None, None)
