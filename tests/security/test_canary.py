"""The canary secret (and a distinctive Access Key ID) goes into an integration; no page,
partial, header, cookie, log record, error page, admin page, dump or database column may ever
show it again."""

import base64
import json
import uuid
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.db import connection
from django.test import Client

from integrations_site.integrations.models import Integration
from tests.factories import CANARY_SECRET, VALID_ACCESS_KEY_ID, aws_fields
from tests.security.support import (
    CANARY_HINT,
    CANARY_KEY_ID,
    CANARY_NAME,
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
    leaks,
    log_leaks,
    response_leaks,
    signed_in,
    typed_payload,
)

# --- the canary never comes back --------------------------------------------------------------


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


# --- the encrypted column ---------------------------------------------------------------------


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
