"""The members page, API and command; the activity page and the audit API."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations_site import audit
from integrations_site.organizations.models import Membership
from tests.audit.support import actions, api, bearer, events
from tests.factories import make_user

pytestmark = pytest.mark.django_db


# --- members ----------------------------------------------------------------------------------


def test_admins_add_change_and_remove_members_on_the_page(admin_http, org, org_member):
    carol = make_user("carol")
    carol.email = "carol@example.com"
    carol.save()
    page = admin_http.get("/orgs/members/")
    assert page.status_code == 200 and "bob" in page.content.decode()
    added = admin_http.post("/orgs/members/add/", {"user": "CAROL@example.com", "role": "member"})
    assert added.status_code == 302
    assert admin_http.post(f"/orgs/members/{carol.pk}/role/", {"role": "admin"}).status_code == 302
    assert Membership.objects.get(user=carol).role == "admin"
    assert admin_http.post(f"/orgs/members/{org_member.pk}/remove/").status_code == 302
    assert not Membership.objects.filter(user=org_member).exists()
    assert actions(organization_id=org.pk) == [
        ("member.add", "success"),
        ("member.role_change", "success"),
        ("member.remove", "success"),
    ]
    change = events(action="member.role_change")[0]
    assert (change.target_name, change.actor_name) == ("carol", "alice")
    assert change.details == {"role": "admin", "previous_role": "member"}
    unknown = admin_http.post("/orgs/members/add/", {"user": "nobody", "role": "member"})
    assert unknown.status_code == 422 and "No user with this username" in unknown.content.decode()


def test_the_last_admin_can_be_neither_demoted_nor_removed(admin_http, org, org_admin):
    demote = admin_http.post(f"/orgs/members/{org_admin.pk}/role/", {"role": "member"}, follow=True)
    assert "at least one admin" in demote.content.decode()
    admin_http.post(f"/orgs/members/{org_admin.pk}/remove/")
    assert Membership.objects.get(user=org_admin).role == "admin"
    assert actions(organization_id=org.pk) == [
        ("member.role_change", "failure"),
        ("member.remove", "failure"),
    ]


def test_members_see_neither_page_nor_menu_items(member_http):
    assert member_http.get("/orgs/members/").status_code == 403
    assert member_http.get("/orgs/activity/").status_code == 403
    html = member_http.get("/integrations/").content.decode()
    assert "/orgs/activity/" not in html and "/orgs/members/" not in html


def test_admins_see_the_menu_items_and_each_integration_links_its_history(admin_http, integration):
    html = admin_http.get("/integrations/").content.decode()
    assert 'href="/orgs/members/"' in html and 'href="/orgs/activity/"' in html
    assert f'href="/orgs/activity/?target={integration.pk}"' in html


def test_the_members_api(client, org, org_admin, org_member):
    carol = make_user("carol")
    headers = bearer(org_admin)
    path = f"/orgs/{org.pk}/members"
    listed = api(client, "get", path, **headers).json()
    assert [(m["username"], m["role"]) for m in listed] == [("alice", "admin"), ("bob", "member")]
    added = api(client, "post", path, {"user": "carol", "role": "admin"}, **headers)
    assert added.status_code == 201 and added.json()["role"] == "admin"
    again = api(client, "post", path, {"user": "carol"}, **headers)
    assert again.status_code == 400 and "user" in again.json()["error"]["fields"]
    patched = api(client, "patch", f"{path}/{org_member.pk}", {"role": "admin"}, **headers)
    assert patched.status_code == 200 and patched.json()["role"] == "admin"
    assert api(client, "delete", f"{path}/{carol.pk}", **headers).status_code == 204
    api(client, "patch", f"{path}/{org_member.pk}", {"role": "member"}, **headers)
    last = api(client, "delete", f"{path}/{org_admin.pk}", **bearer(org_member))
    assert last.status_code == 403  # bob is a member again
    alone = api(client, "patch", f"{path}/{org_admin.pk}", {"role": "member"}, **headers)
    assert alone.status_code == 409 and "at least one admin" in alone.json()["message"]
    assert api(client, "get", path, **bearer(org_member)).status_code == 403


def test_addmember_command(org, org_member):
    make_user("dave")
    out = StringIO()
    call_command("addmember", "Acme", "dave", "--role", "admin", stdout=out)
    call_command("addmember", str(org.pk), "bob", "--role", "admin", stdout=out)
    assert "Added 'dave' to 'Acme' as admin." in out.getvalue()
    assert Membership.objects.get(user=org_member).role == "admin"
    assert [e.actor_kind for e in events(organization_id=org.pk)] == ["system", "system"]


# --- activity ---------------------------------------------------------------------------------


def seed(org, count: int, **fields) -> None:
    for number in range(count):
        audit.record(
            action=fields.get("action", "integration.delete"),
            organization_id=org.pk,
            target_type="integration",
            target_id=f"id-{number}",
            target_name=f"registry-{number}",
        )


def test_the_activity_page_filters_and_pages_newest_first(admin_http, org, other_org, settings):
    settings.AUDIT_PAGE_SIZE = 3
    seed(org, 7)
    seed(other_org, 2)
    first = admin_http.get("/orgs/activity/")
    html = first.content.decode()
    assert first.status_code == 200
    assert html.index("registry-6") < html.index("registry-4") and "registry-3" not in html
    older = first.context["page"].older
    second = admin_http.get("/orgs/activity/", {"after": older})
    assert "registry-3" in second.content.decode() and "registry-6" not in second.content.decode()
    back = admin_http.get("/orgs/activity/", {"before": second.context["page"].newer})
    assert [e.target_name for e in back.context["page"].events] == [
        "registry-6",
        "registry-5",
        "registry-4",
    ]
    only = admin_http.get("/orgs/activity/", {"target": "id-2"})
    assert [e.target_name for e in only.context["page"].events] == ["registry-2"]
    by_actor = admin_http.get("/orgs/activity/", {"actor": "nobody-like-this"})
    assert by_actor.context["page"].events == []
    dated = admin_http.get("/orgs/activity/", {"since": "2000-01-01", "until": "2000-01-02"})
    assert dated.context["page"].events == []
    partial = admin_http.get(
        "/orgs/activity/",
        {"action": "integration.delete"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="activity-table",
    )
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="activity-table"') and "<html" not in body
    assert "Globex" not in html


def test_the_activity_page_costs_the_same_queries_at_any_depth(admin_http, org, settings):
    settings.AUDIT_PAGE_SIZE = 5
    seed(org, 6)
    admin_http.get("/orgs/activity/")
    with CaptureQueriesContext(connection) as few:
        admin_http.get("/orgs/activity/")
    seed(org, 120)
    page = admin_http.get("/orgs/activity/").context["page"]
    with CaptureQueriesContext(connection) as many:
        admin_http.get("/orgs/activity/", {"after": page.older})
    assert len(many) == len(few)


def test_the_audit_api_pages_and_exports(client, org, org_admin, org_member):
    seed(org, 5)
    headers = bearer(org_admin)
    response = api(client, "get", f"/orgs/{org.pk}/audit?pageSize=2", **headers)
    assert response.status_code == 200
    body = response.json()
    assert [e["target"]["name"] for e in body] == ["registry-4", "registry-3"]
    assert body[0]["previousHash"] == body[1]["hash"]
    next_url = response["Link"].split(";")[0].strip("<>")
    following = client.get(next_url, headers=headers).json()
    assert [e["target"]["name"] for e in following] == ["registry-2", "registry-1"]
    filtered = api(client, "get", f"/orgs/{org.pk}/audit?target=registry-0", **headers).json()
    assert [e["target"]["id"] for e in filtered] == ["id-0"]
    export = api(client, "get", f"/orgs/{org.pk}/audit/export", **headers)
    assert export["Content-Type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in b"".join(export.streaming_content).splitlines()]
    assert [line["sequence"] for line in lines][:5] == [1, 2, 3, 4, 5]
    member = bearer(org_member)
    assert api(client, "get", f"/orgs/{org.pk}/audit", **member).status_code == 403
    assert api(client, "get", f"/orgs/{org.pk}/audit/export", **member).status_code == 403
