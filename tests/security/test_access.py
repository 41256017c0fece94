"""Who may do what: outsiders get 404, members may look but not change, anonymous users are
sent to sign in."""

from integrations_site.integrations.models import Integration
from tests.security.support import (
    CREATE_URL,
    HTMX,
    HTMX_TABLE,
    LIST_URL,
    LOGIN_URL,
    PROVIDER_FIELDS_URL,
    TEST_CONNECTION_URL,
    canary_payload,
    check_url,
    delete_url,
    signed_in,
)

# --- who may do what --------------------------------------------------------------------------


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
