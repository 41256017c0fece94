from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integrations_site.integrations.models import Integration
from integrations_site.organizations.models import Membership, Organization
from tests.factories import VALID_ACCESS_KEY_ID, VALID_SECRET, make_integration, make_user


def test_createorg_prints_the_id_last(db):
    make_user("carol")
    stdout = StringIO()
    call_command("createorg", "Initech", "--admin", "carol", stdout=stdout)
    last_line = stdout.getvalue().strip().splitlines()[-1]
    organization = Organization.objects.get(name="Initech")
    assert last_line == str(organization.pk)
    membership = Membership.objects.get(organization=organization)
    assert membership.user.username == "carol" and membership.role == "admin"


def test_createorg_needs_an_existing_user(db):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("createorg", "Initech", "--admin", "nobody", stdout=StringIO())
    assert not Organization.objects.exists()


def test_createorg_refuses_a_duplicate_name(org):
    with pytest.raises(CommandError, match="already exists"):
        call_command("createorg", "ACME", "--admin", "alice", stdout=StringIO())


def test_ensure_demo_creates_once_and_prints_the_login(db, monkeypatch):
    monkeypatch.setenv("DEMO_USERNAME", "demo")
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-123")
    first, second = StringIO(), StringIO()
    call_command("ensure_demo", stdout=first)
    call_command("ensure_demo", stdout=second)
    assert "username 'demo', password 'demo-password-123'" in first.getvalue()
    assert second.getvalue() == first.getvalue()
    assert Organization.objects.count() == 1
    assert Membership.objects.get().role == "admin"


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def superuser_http(client, org, org_admin):
    org_admin.is_staff = org_admin.is_superuser = True
    org_admin.save()
    client.force_login(org_admin)
    return client


def test_admin_lists_integrations_without_credentials(superuser_http, integration):
    html = superuser_http.get("/admin/integrations/integration/").content.decode()
    assert "aws-ecr-integration" in html and "123456789012" in html and "us-east-1" in html
    detail = superuser_http.get(
        f"/admin/integrations/integration/{integration.pk}/change/"
    ).content.decode()
    assert "AKIA…MPLE" in detail
    assert VALID_SECRET not in detail and VALID_ACCESS_KEY_ID not in detail
    assert "credentials" not in detail.lower()


def test_admin_cannot_add_or_edit_integrations(superuser_http, integration):
    assert superuser_http.get("/admin/integrations/integration/add/").status_code == 403
    response = superuser_http.post(
        f"/admin/integrations/integration/{integration.pk}/change/", {"name": "renamed"}
    )
    assert response.status_code == 403
    integration.refresh_from_db()
    assert integration.name == "aws-ecr-integration"


def test_admin_delete_goes_through_the_service(superuser_http, integration):
    response = superuser_http.post(
        f"/admin/integrations/integration/{integration.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Integration.objects.exists()


def test_admin_bulk_delete(superuser_http, org):
    made = [make_integration(org, name=f"r{i}") for i in range(3)]
    response = superuser_http.post(
        "/admin/integrations/integration/",
        {"action": "delete_selected", "_selected_action": [m.pk for m in made], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Integration.objects.exists()


def test_admin_registers_organizations_and_memberships(superuser_http, org):
    assert "Acme" in superuser_http.get("/admin/organizations/organization/").content.decode()
    assert "bob" in superuser_http.get("/admin/organizations/membership/").content.decode()
