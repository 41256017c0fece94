"""Security properties of the site, checked from the outside.

A canary secret (and a distinctive Access Key ID) goes into an integration; no page, partial,
header, cookie, log record, error page, admin page or dump may ever show it again. Around that:
the debug 500 page, the logging mask, the headers and the CSP, CSRF, who may see and change
what, start-up configuration, `check --deploy`, and what the database column holds."""

import base64
import json
import logging
import os
import secrets
import subprocess
import sys
import uuid
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.db import connection
from django.test import Client

from integrations_site.integrations.models import Integration
from integrations_site.logging import MASK, SecretMaskingFilter, mask_secrets
from tests.factories import (
    CANARY_SECRET,
    VALID_ACCESS_KEY_ID,
    VALID_SECRET,
    aws_fields,
    make_integration,
)

REPO = Path(__file__).resolve().parent.parent

CANARY_KEY_ID = "AKIACANARY0123456789"
CANARY_HINT = "AKIA…6789"
CANARY_NAME = "canary-registry"
# What must never appear: the secret (also URL-encoded, or any recognisable piece of it) and
# the full Access Key ID (only its hint may be shown).
SECRET_FRAGMENTS = (
    CANARY_SECRET,
    quote(CANARY_SECRET, safe=""),
    CANARY_SECRET.replace("/", "\\/"),
    "CanarySecret",
)
KEY_ID_FRAGMENTS = (CANARY_KEY_ID, "ACANARY0123")
FORBIDDEN = SECRET_FRAGMENTS + KEY_ID_FRAGMENTS

LIST_URL = "/integrations/"
CREATE_URL = "/integrations/new/registry/"
PROVIDER_FIELDS_URL = "/integrations/new/registry/provider-fields/"
TEST_CONNECTION_URL = "/integrations/new/registry/test/"
LOGIN_URL = "/accounts/login/"
HTMX = {"HTTP_HX_REQUEST": "true"}
HTMX_TABLE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "integration-table"}


def delete_url(integration) -> str:
    return f"/integrations/{integration.pk}/delete/"


def check_url(integration) -> str:
    return f"/integrations/{integration.pk}/check/"


def canary_payload(**overrides) -> dict:
    payload = {
        "name": "canary-new",
        "provider": "aws",
        **aws_fields(access_key_id=CANARY_KEY_ID, secret_access_key=CANARY_SECRET),
    }
    payload.update(overrides)
    return payload


def typed_payload(**overrides) -> dict:
    """The canary secret as typed into a form, with another Access Key ID: a form may show
    back the Access Key ID its user just typed, never the secret and never the stored
    integration's Access Key ID."""
    return canary_payload(**{"access_key_id": VALID_ACCESS_KEY_ID, **overrides})


def leaks(text: str, fragments: tuple[str, ...] = FORBIDDEN) -> list[str]:
    return [fragment for fragment in fragments if fragment in text]


def response_leaks(response) -> list[str]:
    found = leaks(response.content.decode("utf-8", errors="replace"))
    for name, value in response.headers.items():
        found += [f"header {name}: {hit}" for hit in leaks(f"{name}: {value}")]
    found += [f"cookie: {hit}" for hit in leaks(response.cookies.output())]
    return found


def record_texts(record: logging.LogRecord) -> list[str]:
    """What a handler writes: the message and traceback, after the configured mask ran."""
    return [record.getMessage(), str(record.msg), record.exc_text or "", record.stack_info or ""]


def raw_traceback(record: logging.LogRecord) -> str:
    """The traceback formatted afresh from the exception, bypassing the mask."""
    if record.exc_info and record.exc_info[0] is not None:
        return logging.Formatter().formatException(record.exc_info)
    return ""


def log_leaks(caplog) -> list[str]:
    """Nothing in the log output (masked) may show the secret or the full Access Key ID, and
    the secret must not even reach logging: no exception message carries it."""
    found = []
    records = caplog.get_records("setup") + caplog.get_records("call")
    for record in records:
        for text in record_texts(record):
            found += [f"{record.name}: {hit}" for hit in leaks(text)]
        found += [
            f"{record.name} raw: {hit}" for hit in leaks(raw_traceback(record), SECRET_FRAGMENTS)
        ]
    found += [f"caplog.text: {hit}" for hit in leaks(caplog.text)]
    return found


@pytest.fixture
def debug_logs(caplog):
    """Everything at DEBUG, including the non-propagating `django` logger (django.request)."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    return caplog


@pytest.fixture
def canary(org, org_admin):
    return make_integration(
        org,
        name=CANARY_NAME,
        created_by=org_admin,
        access_key_id=CANARY_KEY_ID,
        secret_access_key=CANARY_SECRET,
    )


@pytest.fixture
def superuser(org_admin):
    org_admin.is_staff = org_admin.is_superuser = True
    org_admin.save()
    return org_admin


def signed_in(user, **client_kwargs) -> Client:
    client = Client(**client_kwargs)
    client.force_login(user)
    return client


# --- 1. the canary never comes back -----------------------------------------------------------


def crawl_app(client: Client, integration) -> dict[str, object]:
    """Every page and partial of the integrations UI, as this client sees them."""
    random_id = uuid.uuid4()
    return {
        "list": client.get(LIST_URL),
        "list htmx": client.get(LIST_URL, **HTMX_TABLE),
        "list q": client.get(LIST_URL, {"q": "canary"}),
        "list q htmx": client.get(LIST_URL, {"q": "canary"}, **HTMX_TABLE),
        "list q no match": client.get(LIST_URL, {"q": "nothing-like-this"}),
        "list page 2": client.get(LIST_URL, {"page": "2"}),
        "create": client.get(CREATE_URL),
        "create htmx": client.get(CREATE_URL, **HTMX),
        "provider fields": client.get(PROVIDER_FIELDS_URL, {"provider": "aws"}, **HTMX),
        "provider fields unknown": client.get(PROVIDER_FIELDS_URL, {"provider": "nope"}),
        "delete": client.get(delete_url(integration)),
        "delete htmx": client.get(delete_url(integration), **HTMX),
        "tokens": client.get("/tokens/"),
        "create storage": client.get("/integrations/new/storage/"),
        "create storage htmx": client.get("/integrations/new/storage/", **HTMX),
        **{
            f"provider fields {provider}": client.get(
                PROVIDER_FIELDS_URL, {"provider": provider}, **HTMX
            )
            for provider in ("dockerhub", "gcp", "azure", "github", "generic")
        },
        "services": client.get("/services/"),
        "pipelines": client.get("/pipelines/"),
        "storage drivers": client.get("/storage-drivers/"),
        "404 uuid": client.get(f"/integrations/{random_id}/delete/"),
        "404 uuid htmx": client.get(f"/integrations/{random_id}/delete/", **HTMX),
        "404 path": client.get("/no-such-page/"),
        "create invalid account": client.post(CREATE_URL, typed_payload(account="12")),
        "create invalid account htmx": client.post(CREATE_URL, typed_payload(account="12"), **HTMX),
        "create invalid key id": client.post(
            CREATE_URL, typed_payload(access_key_id=VALID_ACCESS_KEY_ID + "X")
        ),
        "create duplicate name": client.post(CREATE_URL, typed_payload(name=CANARY_NAME)),
        "create choose provider": client.post(
            CREATE_URL, typed_payload(choose_provider="1", account="12")
        ),
        "test connection invalid": client.post(TEST_CONNECTION_URL, typed_payload(account="12")),
        "test connection invalid htmx": client.post(
            TEST_CONNECTION_URL, typed_payload(account="12"), **HTMX
        ),
        "login page": client.get(LOGIN_URL),
    }


@pytest.mark.parametrize("role", ["admin", "member", "outsider"])
def test_canary_is_on_no_page_or_partial(role, request, canary, other_integration, debug_logs):
    user = {
        "admin": request.getfixturevalue("org_admin"),
        "member": request.getfixturevalue("org_member"),
        "outsider": request.getfixturevalue("outsider"),
    }[role]
    client = signed_in(user)
    responses = crawl_app(client, canary)

    # The crawl really reached the pages it means to (each role sees what it should).
    statuses = {label: response.status_code for label, response in responses.items()}
    assert statuses["404 path"] == 404
    # The admin-only delete URL answers 403 to a member before it looks anything up.
    assert statuses["404 uuid"] == (403 if role == "member" else 404)
    assert statuses["login page"] == 200
    if role == "admin":
        assert statuses["list"] == statuses["delete"] == statuses["create"] == 200
        assert statuses["create invalid account"] == 422
        assert CANARY_NAME in responses["list"].content.decode()
        # The secret field is there, empty: write-only.
        assert 'name="secret_access_key"' in responses["create invalid account"].content.decode()
    elif role == "member":
        assert statuses["list"] == 200 and CANARY_NAME in responses["list"].content.decode()
        assert statuses["create"] == statuses["delete"] == 403
        assert statuses["create invalid account"] == 403
    else:
        assert statuses["list"] == 200
        assert CANARY_NAME not in responses["list"].content.decode()
        assert statuses["delete"] == statuses["delete htmx"] == 404
        assert statuses["create invalid account"] == 422  # Globex admin, own org

    found = {label: hits for label, r in responses.items() if (hits := response_leaks(r))}
    assert found == {}
    assert log_leaks(debug_logs) == []
    # No POST above created anything, except the outsider's "duplicate": the name is only
    # taken in Acme, so it was created in Globex (AWS unreachable), the success path.
    created = Integration.objects.exclude(pk__in=[canary.pk, other_integration.pk])
    if role == "outsider":
        assert statuses["create duplicate name"] == 302
        assert [(i.name, i.organization.name) for i in created] == [(CANARY_NAME, "Globex")]
    else:
        assert not created.exists()
    assert Integration.objects.get(pk=canary.pk).credentials["secret_access_key"] == CANARY_SECRET


def test_canary_is_not_in_check_now_results_or_their_logs(canary, org_admin, debug_logs):
    """Check now decrypts and hands the keys to boto3 (AWS unreachable here); botocore logs
    its requests at DEBUG, with the Access Key ID in the Authorization header."""
    client = signed_in(org_admin)
    full = client.post(check_url(canary), follow=True)
    partial = client.post(check_url(canary), **HTMX)
    assert full.status_code == partial.status_code == 200
    assert CANARY_NAME in full.content.decode() and CANARY_NAME in partial.content.decode()
    assert response_leaks(full) == [] and response_leaks(partial) == []
    assert log_leaks(debug_logs) == []


def test_canary_is_on_no_admin_page(superuser, canary, org, debug_logs):
    client = signed_in(superuser)
    base = "/admin/integrations/integration/"
    pages = {
        "index": client.get("/admin/"),
        "changelist": client.get(base),
        "changelist search": client.get(base, {"q": "canary"}),
        "change": client.get(f"{base}{canary.pk}/change/"),
        "history": client.get(f"{base}{canary.pk}/history/"),
        "delete": client.get(f"{base}{canary.pk}/delete/"),
        "delete selected": client.post(
            base, {"action": "delete_selected", "_selected_action": [str(canary.pk)]}
        ),
        "organizations": client.get("/admin/organizations/organization/"),
        "organization change": client.get(f"/admin/organizations/organization/{org.pk}/change/"),
        "organization delete": client.get(f"/admin/organizations/organization/{org.pk}/delete/"),
        "memberships": client.get("/admin/organizations/membership/"),
        "add refused": client.get(f"{base}add/"),
    }
    statuses = {label: response.status_code for label, response in pages.items()}
    assert statuses == {**dict.fromkeys(pages, 200), "add refused": 403}
    assert CANARY_HINT in pages["change"].content.decode()
    assert CANARY_NAME in pages["delete selected"].content.decode()
    found = {label: hits for label, r in pages.items() if (hits := response_leaks(r))}
    assert found == {}
    assert log_leaks(debug_logs) == []


def test_admin_delete_leaves_no_secret_behind(superuser, canary, debug_logs):
    client = signed_in(superuser)
    response = client.post(f"/admin/integrations/integration/{canary.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Integration.objects.filter(pk=canary.pk).exists()
    index = client.get("/admin/", follow=True)
    assert CANARY_NAME in index.content.decode()  # recent actions
    assert response_leaks(response) == [] and response_leaks(index) == []
    assert [hit for entry in LogEntry.objects.all() for hit in leaks(repr(vars(entry)))] == []
    assert log_leaks(debug_logs) == []


def test_error_and_login_pages_do_not_echo_the_canary(canary, org_member, debug_logs):
    anonymous = Client()
    member = signed_in(org_member)
    responses = {
        "member create 403": member.post(CREATE_URL, canary_payload()),
        "member create 403 htmx": member.post(CREATE_URL, canary_payload(), **HTMX),
        "member test connection 403": member.post(TEST_CONNECTION_URL, canary_payload()),
        "anonymous create": anonymous.post(CREATE_URL, canary_payload()),
        "anonymous list": anonymous.get(LIST_URL),
        "login page": anonymous.get(LOGIN_URL),
        "login with canary password": anonymous.post(
            LOGIN_URL, {"username": "alice", "password": CANARY_SECRET}
        ),
    }
    statuses = {label: response.status_code for label, response in responses.items()}
    assert statuses == {
        "member create 403": 403,
        "member create 403 htmx": 403,
        "member test connection 403": 403,
        "anonymous create": 302,
        "anonymous list": 302,
        "login page": 200,
        "login with canary password": 200,
    }
    found = {label: hits for label, r in responses.items() if (hits := response_leaks(r))}
    assert found == {}
    assert Integration.objects.count() == 1
    assert log_leaks(debug_logs) == []


def test_dumpdata_carries_only_the_envelope(canary):
    for args in (("integrations",), ()):
        out = StringIO()
        call_command("dumpdata", *args, stdout=out)
        dump = out.getvalue()
        assert "v1:test1:" in dump and CANARY_NAME in dump
        assert leaks(dump) == []
    assert CANARY_HINT in json.dumps(json.loads(out.getvalue()), ensure_ascii=False)


# --- 2. the technical 500 page ----------------------------------------------------------------


BROKEN_RINGS = {"malformed": "bad", "empty": "", "short key": "k1:" + "eHh4" * 4}


@pytest.mark.parametrize("ring", BROKEN_RINGS.values(), ids=BROKEN_RINGS.keys())
@pytest.mark.parametrize("debug", [True, False], ids=["DEBUG", "production"])
def test_create_with_a_broken_key_ring_hides_the_secret(
    ring, debug, org, org_admin, settings, debug_logs
):
    settings.DEBUG = debug
    settings.INTEGRATIONS_ENCRYPTION_KEYS = ring
    client = signed_in(org_admin, raise_request_exception=False)
    response = client.post(CREATE_URL, canary_payload())
    body = response.content.decode()
    assert response.status_code == 500
    # Django's SafeExceptionReporterFilter switches itself off when DEBUG is on, so
    # sensitive_post_parameters / sensitive_variables only hide the secret if the site
    # installs a reporter filter that stays active. (The page may show the Access Key ID the
    # request itself posted: it is not a sensitive parameter.)
    assert leaks(body, SECRET_FRAGMENTS) == [], (
        "the 500 page shows the Secret Access Key (POST data and frame locals)"
    )
    if debug:
        # Django's technical page, with the reason that names the setting to fix.
        assert "EncryptionKeyError" in body
        assert "INTEGRATIONS_ENCRYPTION_KEYS" in body
        assert "secret_access_key" in body  # listed, but its value is starred out
    else:
        assert "Server error" in body
        assert "INTEGRATIONS_ENCRYPTION_KEYS" not in body and "Traceback" not in body
    assert not Integration.objects.exists()
    errors = [r for r in debug_logs.records if r.levelno >= logging.ERROR and r.exc_info]
    assert errors, "the 500 is logged with its traceback"
    assert any("INTEGRATIONS_ENCRYPTION_KEYS" in "\n".join(record_texts(r)) for r in errors)
    assert log_leaks(debug_logs) == []


@pytest.mark.parametrize("debug", [True, False], ids=["DEBUG", "production"])
def test_decrypt_with_a_missing_key_id_hides_secret_and_keys(
    debug, canary, org_admin, settings, debug_logs
):
    other_key = base64.b64encode(os.urandom(32)).decode()
    settings.DEBUG = debug
    settings.INTEGRATIONS_ENCRYPTION_KEYS = f"other:{other_key}"
    client = signed_in(org_admin, raise_request_exception=False)
    response = client.post(check_url(canary))
    body = response.content.decode()
    assert response.status_code == 500
    assert response_leaks(response) == []
    assert other_key not in body
    test_key = os.environ["INTEGRATIONS_ENCRYPTION_KEYS"].partition(":")[2]
    assert test_key not in body
    if debug:
        assert "DecryptionError" in body
        assert "INTEGRATIONS_ENCRYPTION_KEYS" in body and "&#x27;test1&#x27;" in body
    else:
        assert "Server error" in body and "INTEGRATIONS_ENCRYPTION_KEYS" not in body
    assert log_leaks(debug_logs) == []
    assert not [r for r in debug_logs.records if other_key in "\n".join(record_texts(r))]


# --- 3. the logging mask ----------------------------------------------------------------------


@pytest.fixture
def masked_logger():
    """A logger whose only handler writes through SecretMaskingFilter into a buffer."""
    stream = StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretMaskingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.security.masked")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)
    logger.propagate = True


def test_mask_secrets_hides_each_kind_of_secret():
    text = mask_secrets(
        f"id {CANARY_KEY_ID} key {VALID_SECRET} password=hunter2-pw, "
        f'{{"secretAccessKey": "{CANARY_SECRET}", "token": "tok-123"}} '
    )
    assert CANARY_KEY_ID not in text and CANARY_HINT in text
    assert VALID_SECRET not in text
    assert "hunter2-pw" not in text and "password=" + MASK in text
    assert CANARY_SECRET not in text and "CanarySecret" not in text
    assert f'"secretAccessKey": {MASK}' in text
    assert "tok-123" not in text
    assert "ASIA" + "Z" * 16 not in mask_secrets("temporary ASIA" + "Z" * 16)


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Bearer {token}",
        "authorization=Bearer {token}",
        "header Authorization: Token {token}",
    ],
)
def test_mask_secrets_hides_the_credential_after_an_auth_scheme(line):
    """An HTTP header as a library logs it: the scheme word is not the secret, the token
    after it is (here one of the site's own API tokens)."""
    token = "dlt_" + secrets.token_urlsafe(32)
    text = mask_secrets(line.format(token=token))
    assert token not in text and token[4:] not in text, text


def test_filter_masks_message_and_arguments(masked_logger):
    logger, stream = masked_logger
    logger.debug("access key %s", CANARY_KEY_ID)
    logger.info("secret %s", CANARY_SECRET)
    logger.warning("login failed: password=%s", "hunter2-pw")
    logger.error("boto3 params %s", json.dumps({"secretAccessKey": "short-but-secret"}))
    out = stream.getvalue()
    assert out.count("\n") == 4
    assert CANARY_KEY_ID not in out and CANARY_HINT in out
    assert CANARY_SECRET not in out and "CanarySecret" not in out
    assert "hunter2-pw" not in out and "short-but-secret" not in out
    assert MASK in out


def test_filter_masks_exception_text(masked_logger):
    logger, stream = masked_logger
    try:
        raise ValueError(f"upstream said: key {CANARY_KEY_ID} secret {CANARY_SECRET}")
    except ValueError:
        logger.exception("call failed")
    out = stream.getvalue()
    assert "Traceback" in out and "ValueError" in out
    assert leaks(out) == []


def test_configured_handlers_mask_what_reaches_them(caplog):
    """Through the real configuration: the console handler's filter runs before anything
    else sees the record, including for the non-propagating `django` logger."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    logging.getLogger("integrations_site.test").warning("secret=%s", CANARY_SECRET)
    try:
        raise RuntimeError(f"secretAccessKey={CANARY_SECRET} id={CANARY_KEY_ID}")
    except RuntimeError:
        logging.getLogger("django.request").exception("Internal Server Error: /x")
        logging.getLogger("botocore.endpoint").exception("request failed")
    assert len(caplog.records) == 3
    for record in caplog.records:
        assert leaks(record.getMessage()) == []
        assert leaks(record.exc_text or "") == []
    assert leaks(caplog.text) == []


def _filtered(handler: logging.Handler) -> bool:
    return any(isinstance(f, SecretMaskingFilter) for f in handler.filters)


def test_every_configured_handler_has_the_mask():
    config = django_settings.LOGGING
    assert config["filters"]["mask_secrets"]["()"] == (
        "integrations_site.logging.SecretMaskingFilter"
    )
    assert config["handlers"], "at least one handler is configured"
    for name, handler in config["handlers"].items():
        assert "mask_secrets" in handler.get("filters", []), name

    root = logging.getLogger()
    loggers = [root] + [
        lg for lg in root.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    # pytest's own capture handlers are not part of the site's configuration.
    ours = [
        (lg.name, h)
        for lg in loggers
        for h in lg.handlers
        # NullHandlers (libraries' defaults) never write anything.
        if not type(h).__module__.startswith("_pytest") and not isinstance(h, logging.NullHandler)
    ]
    assert any(name == "root" for name, _ in ours), "the root logger has the console handler"
    assert any(name == "django" for name, _ in ours)
    assert [(name, h) for name, h in ours if not _filtered(h)] == []


# --- 4. headers and markup --------------------------------------------------------------------


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.body: dict[str, str | None] | None = None
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if tag == "script":
            if attributes.get("src"):
                self.scripts.append(attributes["src"] or "")
            else:
                self.problems.append(f"inline <script> at {self.getpos()}")
        if tag == "style":
            self.problems.append(f"<style> block at {self.getpos()}")
        if tag == "body":
            self.body = attributes
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style= on <{tag}> at {self.getpos()}")
            if name.startswith("on"):
                self.problems.append(f"{name}= handler on <{tag}> at {self.getpos()}")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}> at {self.getpos()}")

    handle_startendtag = handle_starttag


def parse(html: str) -> _Markup:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser


def csp_directives(value: str) -> dict[str, list[str]]:
    directives = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_security_headers(response, label: str = "") -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = csp_directives(csp)
    assert directives.get("default-src") == ["'self'"], (label, csp)
    assert directives.get("script-src") == ["'self'"], (label, csp)
    assert directives.get("object-src") == ["'none'"], (label, csp)
    assert directives.get("frame-ancestors") == ["'none'"], (label, csp)
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, (label, csp)
    assert response.headers.get("X-Frame-Options") == "DENY", label
    assert response.headers.get("X-Content-Type-Options") == "nosniff", label
    assert response.headers.get("Referrer-Policy") == "same-origin", label


def html_pages(admin_http, member_http_factory, canary) -> dict:
    return {
        "list": admin_http.get(LIST_URL),
        "list filtered": admin_http.get(LIST_URL, {"q": "canary"}),
        "create": admin_http.get(CREATE_URL),
        "create with errors": admin_http.post(CREATE_URL, typed_payload(account="1")),
        "delete": admin_http.get(delete_url(canary)),
        "tokens": admin_http.get("/tokens/"),
        "404": admin_http.get(f"/integrations/{uuid.uuid4()}/delete/"),
        "403": member_http_factory().post(CREATE_URL, canary_payload()),
        "login": Client().get(LOGIN_URL),
    }


@pytest.fixture
def member_client(org, org_member):
    return lambda: signed_in(org_member)


def test_html_pages_send_the_security_headers(admin_http, member_client, canary):
    pages = html_pages(admin_http, member_client, canary)
    assert {label: r.status_code for label, r in pages.items()} == {
        "list": 200,
        "list filtered": 200,
        "create": 200,
        "create with errors": 422,
        "delete": 200,
        "tokens": 200,
        "404": 404,
        "403": 403,
        "login": 200,
    }
    for label, response in pages.items():
        assert response["Content-Type"].startswith("text/html"), label
        assert_security_headers(response, label)


def test_500_page_sends_the_security_headers(org_admin, org, settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = "bad"
    response = signed_in(org_admin, raise_request_exception=False).post(
        CREATE_URL, canary_payload()
    )
    assert response.status_code == 500
    assert_security_headers(response)


def test_markup_has_no_inline_script_or_style(admin_http, member_client, canary):
    pages = html_pages(admin_http, member_client, canary)
    partials = {
        "list partial": admin_http.get(LIST_URL, **HTMX_TABLE),
        "create dialog": admin_http.get(CREATE_URL, **HTMX),
        "create dialog errors": admin_http.post(CREATE_URL, typed_payload(account="1"), **HTMX),
        "provider fields": admin_http.get(PROVIDER_FIELDS_URL, {"provider": "aws"}, **HTMX),
        "delete dialog": admin_http.get(delete_url(canary), **HTMX),
    }
    found = {}
    for label, response in {**pages, **partials}.items():
        markup = parse(response.content.decode())
        if markup.problems:
            found[label] = markup.problems
        if label in pages:
            assert markup.scripts, f"{label}: scripts load from files"
            assert all(src.startswith("/static/") for src in markup.scripts), markup.scripts
    assert found == {}


@pytest.mark.parametrize("url", [LIST_URL, CREATE_URL])
def test_body_carries_the_csrf_token_for_htmx(admin_http, url):
    response = admin_http.get(url)
    markup = parse(response.content.decode())
    assert markup.body is not None
    headers = json.loads(markup.body.get("hx-headers") or "{}")
    assert headers.get("X-CSRFToken"), markup.body


# --- 5. CSRF ----------------------------------------------------------------------------------


def test_posts_without_a_csrf_token_are_refused(org, org_admin, integration):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org_admin)
    page = client.get(LIST_URL)  # sets the CSRF cookie: the token alone is missing below
    assert page.status_code == 200 and "csrftoken" in client.cookies
    before = list(Integration.objects.values_list("pk", "name", "credentials_version"))
    attempts = {
        "create": client.post(CREATE_URL, canary_payload()),
        "create htmx": client.post(CREATE_URL, canary_payload(), **HTMX),
        "create wrong token": client.post(
            CREATE_URL, canary_payload(), HTTP_X_CSRFTOKEN="x" * 64, **HTMX
        ),
        "delete": client.post(delete_url(integration)),
        "delete htmx": client.post(delete_url(integration), **HTMX),
        "delete wrong token": client.post(
            delete_url(integration), {"csrfmiddlewaretoken": "y" * 64}
        ),
        "test connection": client.post(TEST_CONNECTION_URL, canary_payload()),
        "check now": client.post(check_url(integration)),
    }
    assert {label: r.status_code for label, r in attempts.items()} == dict.fromkeys(attempts, 403)
    assert list(Integration.objects.values_list("pk", "name", "credentials_version")) == before


def test_the_token_in_hx_headers_is_the_one_that_works(org, org_admin, integration):
    """The control for the test above: with the page's token, the same delete goes through."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(org_admin)
    markup = parse(client.get(LIST_URL).content.decode())
    token = json.loads(markup.body["hx-headers"])["X-CSRFToken"]
    response = client.post(delete_url(integration), HTTP_X_CSRFTOKEN=token, **HTMX)
    assert response.status_code == 200
    assert not Integration.objects.filter(pk=integration.pk).exists()


# --- 6. who may do what -----------------------------------------------------------------------


def snapshot() -> list:
    return list(
        Integration.objects.order_by("pk").values_list(
            "pk", "organization_id", "name", "credentials_version", "status"
        )
    )


def test_outsider_gets_404_for_another_orgs_integration(outsider, other_org, integration):
    client = signed_in(outsider)
    before = snapshot()
    responses = {
        "delete GET": client.get(delete_url(integration)),
        "delete GET htmx": client.get(delete_url(integration), **HTMX),
        "delete POST": client.post(delete_url(integration)),
        "delete POST htmx": client.post(delete_url(integration), **HTMX),
        "check now": client.post(check_url(integration)),
        "switch to Acme": client.post(
            "/orgs/switch/", {"organization": str(integration.organization_id)}
        ),
    }
    assert {label: r.status_code for label, r in responses.items()} == dict.fromkeys(responses, 404)
    for response in responses.values():
        assert integration.name not in response.content.decode()
    assert snapshot() == before
    listing = client.get(LIST_URL).content.decode()
    assert "Globex" in listing and integration.name not in listing


def test_member_may_look_but_not_change(member_http, integration):
    before = snapshot()
    assert member_http.get(LIST_URL).status_code == 200
    responses = {
        "create GET": member_http.get(CREATE_URL),
        "create GET htmx": member_http.get(CREATE_URL, **HTMX),
        "create POST": member_http.post(CREATE_URL, canary_payload()),
        "create POST htmx": member_http.post(CREATE_URL, canary_payload(), **HTMX),
        "provider fields": member_http.get(PROVIDER_FIELDS_URL, {"provider": "aws"}),
        "test connection": member_http.post(TEST_CONNECTION_URL, canary_payload()),
        "delete GET": member_http.get(delete_url(integration)),
        "delete POST": member_http.post(delete_url(integration)),
        "delete POST htmx": member_http.post(delete_url(integration), **HTMX),
        "check now": member_http.post(check_url(integration)),
    }
    assert {label: r.status_code for label, r in responses.items()} == dict.fromkeys(responses, 403)
    assert snapshot() == before
    listing = member_http.get(LIST_URL).content.decode()
    assert integration.name in listing
    assert f'href="{delete_url(integration)}"' not in listing
    assert f'href="{CREATE_URL}"' not in listing


def test_anonymous_is_sent_to_login(client, integration):
    before = snapshot()
    responses = {
        "list": client.get(LIST_URL),
        "list htmx": client.get(LIST_URL, **HTMX_TABLE),
        "create GET": client.get(CREATE_URL),
        "create POST": client.post(CREATE_URL, canary_payload()),
        "provider fields": client.get(PROVIDER_FIELDS_URL, {"provider": "aws"}),
        "test connection": client.post(TEST_CONNECTION_URL, canary_payload()),
        "delete GET": client.get(delete_url(integration)),
        "delete POST": client.post(delete_url(integration)),
        "check now": client.post(check_url(integration)),
        "tokens": client.get("/tokens/"),
        "admin": client.get("/admin/integrations/integration/"),
    }
    for label, response in responses.items():
        assert response.status_code == 302, label
        location = response["Location"]
        assert location.startswith(LOGIN_URL) or location.startswith("/admin/login/"), label
    assert snapshot() == before


# --- 7. start-up configuration ----------------------------------------------------------------


def run_python(*args: str, tmp_path: Path, **variables: str) -> subprocess.CompletedProcess:
    """Run the venv's python in the repo with an environment built from scratch.

    ENV_FILE="" keeps a developer's .env out, and every variable that matters is set
    explicitly (an empty value counts as missing)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "integrations_site.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONDONTWRITEBYTECODE": "1",
        **variables,
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


SETUP = ("-c", "import django; django.setup(); print('settings ok')")
ENCRYPTION_KEYS = "k1:" + base64.b64encode(os.urandom(32)).decode()
PRODUCTION_SECRET_KEY = secrets.token_urlsafe(64)


def test_production_start_without_secret_key_fails(tmp_path):
    result = run_python(
        *SETUP,
        tmp_path=tmp_path,
        DEBUG="0",
        SECRET_KEY="",
        INTEGRATIONS_ENCRYPTION_KEYS=ENCRYPTION_KEYS,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr
    assert "settings ok" not in result.stdout


def test_debug_is_off_unless_asked_for(tmp_path):
    """No DEBUG variable at all: production rules apply, so a missing SECRET_KEY fails."""
    result = run_python(*SETUP, tmp_path=tmp_path, INTEGRATIONS_ENCRYPTION_KEYS=ENCRYPTION_KEYS)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_start_without_encryption_keys_fails(tmp_path):
    result = run_python(
        *SETUP,
        tmp_path=tmp_path,
        DEBUG="0",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        INTEGRATIONS_ENCRYPTION_KEYS="",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "INTEGRATIONS_ENCRYPTION_KEYS" in result.stderr
    assert PRODUCTION_SECRET_KEY not in result.stderr + result.stdout


def test_production_start_with_both_set_succeeds(tmp_path):
    """The control for the two failures above."""
    result = run_python(
        *SETUP,
        tmp_path=tmp_path,
        DEBUG="0",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        INTEGRATIONS_ENCRYPTION_KEYS=ENCRYPTION_KEYS,
    )
    assert result.returncode == 0, result.stderr
    assert "settings ok" in result.stdout


# --- 8. check --deploy ------------------------------------------------------------------------


def test_check_deploy_passes_with_production_variables(tmp_path):
    result = run_python(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        DEBUG="0",
        SECRET_KEY=PRODUCTION_SECRET_KEY,
        INTEGRATIONS_ENCRYPTION_KEYS=ENCRYPTION_KEYS,
        ALLOWED_HOSTS="integrations.example.com",
        SECURE_SSL_REDIRECT="1",
        SECURE_HSTS_SECONDS="31536000",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
        SECURE_HSTS_PRELOAD="1",
        SESSION_COOKIE_SECURE="1",
        CSRF_COOKIE_SECURE="1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


# --- 9. the encrypted column ------------------------------------------------------------------


def test_database_holds_only_the_envelope(canary):
    table = connection.ops.quote_name(Integration._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT credentials FROM {table} WHERE name = %s", [CANARY_NAME])
        (raw,) = cursor.fetchone()
        cursor.execute(f"SELECT * FROM {table}")
        every_column = repr(cursor.fetchall())
    assert raw.startswith("v1:test1:")
    assert leaks(raw) == []
    sealed = base64.b64decode(raw.split(":", 2)[2])
    assert CANARY_SECRET.encode() not in sealed and CANARY_KEY_ID.encode() not in sealed
    assert leaks(every_column) == []
    assert CANARY_HINT in every_column  # the hint is stored beside it, the key id is not
    # And the model still opens it: the envelope holds the real credentials.
    assert Integration.objects.get(pk=canary.pk).credentials == {
        **aws_fields(access_key_id=CANARY_KEY_ID, secret_access_key=CANARY_SECRET)
    }
