"""Security headers and the CSP on every HTML page, markup with no inline script or style,
and the CSRF token where htmx finds it."""

import json
import uuid

import pytest
from django.test import Client

from tests.security.support import (
    CREATE_URL,
    HTMX,
    HTMX_TABLE,
    LIST_URL,
    LOGIN_URL,
    PROVIDER_FIELDS_URL,
    canary_payload,
    delete_url,
    parse,
    signed_in,
    typed_payload,
)

# --- headers and markup -----------------------------------------------------------------------


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
