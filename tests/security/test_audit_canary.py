"""The canary secret goes through every audited path (create, update, check, pull credentials,
a sign-in with it as the password, a bearer token made of it); no audit row, activity page,
API answer, export or admin page may show it."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from integrations_site.api.services import api_token_create
from integrations_site.audit.models import AuditEvent
from integrations_site.integrations.models import Integration
from tests.factories import CANARY_SECRET
from tests.security.support import (
    CANARY_KEY_ID,
    HTMX,
    canary_payload,
    leaks,
    log_leaks,
    response_leaks,
    signed_in,
)

pytestmark = pytest.mark.django_db


def test_no_secret_in_the_trail_its_pages_api_or_export(
    client, canary, org, org_admin, superuser, debug_logs
):
    admin = signed_in(org_admin)
    raw = api_token_create(user=org_admin, name="canary-api")[1]
    bearer = {"Authorization": f"Bearer {raw}"}
    # Every audited path, each handed the canary.
    admin.post("/integrations/new/registry/", canary_payload(name="canary-two"))
    created = Integration.objects.get(name="canary-two")
    update = {
        "integrationId": str(created.pk),
        "name": "canary-three",
        "credentials": {
            "options": {
                "name": "AWS",
                "spec": {
                    "accessKeyId": CANARY_KEY_ID,
                    "secretAccessKey": CANARY_SECRET,
                    "account": "123456789012",
                    "region": "us-east-1",
                },
            }
        },
    }
    client.patch(
        f"/api/v1/orgs/{org.pk}/integrations",
        data=json.dumps(update),
        content_type="application/json",
        headers=bearer,
    )
    admin.post(f"/integrations/{canary.pk}/check/", **HTMX)
    client.get(f"/api/v1/orgs/{org.pk}/integrations/{canary.pk}/pull-credentials", headers=bearer)
    client.post("/accounts/login/", {"username": "alice", "password": CANARY_SECRET})
    client.get("/api/v1/orgs", headers={"Authorization": f"Bearer {CANARY_SECRET}"})
    client.get("/api/v1/orgs", headers={"Authorization": f"Bearer dlt_{CANARY_SECRET}"})
    assert AuditEvent.objects.filter(action="integration.update").exists()
    assert AuditEvent.objects.filter(action="token.use", outcome="failure").count() == 2
    assert AuditEvent.objects.filter(action="login", outcome="failure").exists()

    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        every_column = repr(cursor.fetchall())
    assert leaks(every_column) == []

    export = StringIO()
    call_command("export_audit", stdout=export)
    assert leaks(export.getvalue()) == [] and "integration.update" in export.getvalue()

    responses = {
        "activity": admin.get("/orgs/activity/"),
        "activity htmx": admin.get("/orgs/activity/", HTTP_HX_TARGET="activity-table", **HTMX),
        "activity canary target": admin.get("/orgs/activity/", {"target": "canary"}),
        "api list": client.get(f"/api/v1/orgs/{org.pk}/audit", headers=bearer),
        "api export": client.get(f"/api/v1/orgs/{org.pk}/audit/export", headers=bearer),
        "admin list": signed_in(superuser).get("/admin/audit/auditevent/"),
        "admin event": signed_in(superuser).get(
            f"/admin/audit/auditevent/{AuditEvent.objects.filter(action='integration.update').get().pk}/change/"
        ),
    }
    assert {label: r.status_code for label, r in responses.items()} == dict.fromkeys(responses, 200)
    export_body = b"".join(responses.pop("api export").streaming_content).decode()
    assert leaks(export_body) == [] and "integration.update" in export_body
    assert "canary-three" in responses["activity"].content.decode()
    found = {label: hits for label, r in responses.items() if (hits := response_leaks(r))}
    assert found == {}
    assert log_leaks(debug_logs) == []


def test_the_admin_shows_events_read_only(superuser, canary):
    client = signed_in(superuser)
    event = AuditEvent.objects.filter(action="integration.create").get()
    base = "/admin/audit/auditevent/"
    assert client.get(f"{base}add/").status_code == 403
    change = client.get(f"{base}{event.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.post(f"{base}{event.pk}/change/", {"action": "x"}).status_code == 403
    assert client.get(f"{base}{event.pk}/delete/").status_code == 403
    listed = client.get(base, {"action": "integration.create", "outcome": "success"})
    assert listed.status_code == 200 and "canary-registry" in listed.content.decode()
    AuditEvent.objects.get(pk=event.pk)  # still there
