"""CSRF: posts without the token are refused; the token htmx sends is the one that works."""

import json

from django.test import Client

from integrations_site.integrations.models import Integration
from tests.security.support import (
    CREATE_URL,
    HTMX,
    LIST_URL,
    TEST_CONNECTION_URL,
    canary_payload,
    check_url,
    delete_url,
    parse,
)

# --- CSRF -------------------------------------------------------------------------------------


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
