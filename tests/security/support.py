"""Shared by the security tests: the canary, the fragments that must never appear, and the
helpers that look for them in responses, logs and markup."""

import logging
from html.parser import HTMLParser
from urllib.parse import quote

from django.test import Client

from tests.factories import CANARY_SECRET, VALID_ACCESS_KEY_ID, aws_fields

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


def signed_in(user, **client_kwargs) -> Client:
    client = Client(**client_kwargs)
    client.force_login(user)
    return client


class Markup(HTMLParser):
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


def parse(html: str) -> Markup:
    parser = Markup()
    parser.feed(html)
    parser.close()
    return parser
