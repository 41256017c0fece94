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


# --- branding, provider names, links to what uses an integration (issue 15.6) ---------------


def test_admin_carries_the_platform_name(superuser_http, settings):
    html = superuser_http.get("/admin/").content.decode()
    assert f"<title>Organizations, integrations and access | {settings.PLATFORM_NAME} admin" in html
    assert f"{settings.PLATFORM_NAME} administration" in html
    assert "Django administration" not in html


def test_provider_filter_shows_display_names(superuser_http, integration):
    html = superuser_http.get("/admin/integrations/integration/").content.decode()
    assert 'href="?provider=aws"' in html and ">AWS</a>" in html
    assert ">Docker Hub</a>" in html  # every registered provider, by its display name
    assert ">aws</a>" not in html
    filtered = superuser_http.get("/admin/integrations/integration/?provider=dockerhub")
    assert "aws-ecr-integration" not in filtered.content.decode()


def test_change_page_links_to_the_services_and_drivers_that_use_it(superuser_http, org):
    from integrations_site.deployments.models import Service
    from integrations_site.storage.models import StorageDriver

    integration = make_integration(org, name="ecr")
    assert integration.registry
    service = Service.objects.create(
        organization=org,
        name="detector",
        runner_image=f"{integration.registry}/models/detector:1",
        registry=integration.registry,
    )
    Service.objects.create(
        organization=org, name="elsewhere", runner_image="ghcr.io/x/y:1", registry="ghcr.io"
    )
    StorageDriver.objects.create(organization=org, name="d", integration=integration, bucket="b")

    html = superuser_http.get(
        f"/admin/integrations/integration/{integration.pk}/change/"
    ).content.decode()
    assert (
        f'<a href="/admin/storage/storagedriver/?integration__id__exact={integration.pk}">'
        "1 storage driver</a>"
    ) in html
    assert (
        f'<a href="/admin/deployments/service/{service.pk}/change/">Service detector</a>'
    ) in html
    assert "elsewhere" not in html
    listed = superuser_http.get(
        f"/admin/storage/storagedriver/?integration__id__exact={integration.pk}"
    )
    assert listed.status_code == 200 and "1 storage driver" in listed.content.decode()
