"""The Django admin for integrations: read-only, no credentials shown, deletes through the
service."""

from integrations_site.integrations.models import Integration
from tests.factories import VALID_ACCESS_KEY_ID, VALID_SECRET, make_integration


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
