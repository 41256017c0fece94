"""Services and pipelines deploy images from a private ECR (moto's server); deleting the
integration revokes access at once."""

import integrations_sdk as dl
import pytest
from django.core.cache import cache

from integrations_site.api.services import api_token_create
from integrations_site.deployments import services
from integrations_site.deployments.models import Pipeline, Rollout, Service
from integrations_site.integrations import services as integration_services
from integrations_site.integrations.models import Integration
from integrations_site.integrations.providers import get_provider
from tests.factories import make_integration
from tests.fixtures.aws import REGION, REPOSITORY

HOST = f"123456789012.dkr.ecr.{REGION}.amazonaws.com"
REVOKED = "Registry access revoked: integration 'ecr' was deleted"


@pytest.fixture
def ecr_integration(org, aws_endpoint, ecr_pull_keys, ecr_image):
    cache.clear()
    return make_integration(
        org,
        name="ecr",
        access_key_id=ecr_pull_keys.access_key_id,
        secret_access_key=ecr_pull_keys.secret_access_key,
    )


def deploy(org, image, name="detector"):
    return services.service_deploy(organization=org, name=name, runner_image=image, user=None)


def test_deploy_runs_an_image_from_the_private_registry(ecr_integration, org, ecr_image):
    service = deploy(org, ecr_image.uri)
    assert (service.status, service.status_reason) == ("running", "")
    rollout = Rollout.objects.get(service=service)
    assert (rollout.action, rollout.status, rollout.integration_name) == (
        "deploy",
        "running",
        "ecr",
    )


def test_deploy_by_digest(ecr_integration, org, ecr_image):
    service = deploy(org, f"{HOST}/{REPOSITORY}@{ecr_image.digest}")
    assert service.status == "running", service.status_reason


def test_wrong_tag_is_named(ecr_integration, org):
    service = deploy(org, f"{HOST}/{REPOSITORY}:9.9")
    assert service.status == "image_pull_back_off"
    assert service.status_reason == f"Image 9.9 not found in {REPOSITORY}"


def test_no_matching_integration_is_named(ecr_integration, org):
    service = deploy(org, "999999999999.dkr.ecr.eu-west-1.amazonaws.com/x:1")
    assert service.status_reason == (
        "No registry integration for 999999999999.dkr.ecr.eu-west-1.amazonaws.com"
    )


def test_rejected_credentials_are_named(org, aws_endpoint, no_ecr_keys, ecr_image):
    make_integration(
        org,
        name="no-perms",
        access_key_id=no_ecr_keys.access_key_id,
        secret_access_key=no_ecr_keys.secret_access_key,
    )
    service = deploy(org, ecr_image.uri)
    assert service.status == "image_pull_back_off"
    assert service.status_reason == (
        "Integration 'no-perms' credentials rejected: not allowed ecr:GetAuthorizationToken"
    )


def test_aws_unreachable_is_named(org, ecr_image, ecr_pull_keys):
    # No aws_endpoint fixture: tests/testenv.py points AWS at a closed port.
    make_integration(org, name="ecr")
    service = deploy(org, ecr_image.uri)
    assert service.status_reason == "AWS unreachable"


def test_redeploying_the_same_name_updates_the_image(ecr_integration, org, ecr_image):
    deploy(org, f"{HOST}/{REPOSITORY}:9.9")
    service = deploy(org, ecr_image.uri, name="DETECTOR")
    assert Service.objects.count() == 1 and service.status == "running"
    assert list(service.rollouts.values_list("action", flat=True)) == ["update", "deploy"]


def test_delete_revokes_at_once_and_restart_fails_with_the_reason(
    ecr_integration, org, org_admin, ecr_image, client
):
    service = deploy(org, ecr_image.uri)
    pipeline = services.pipeline_create(
        organization=org, name="p", nodes=[("node-a", ecr_image.uri)], user=None
    )
    services.pipeline_install(pipeline=pipeline, user=None)
    _, raw = api_token_create(user=org_admin, name="t")
    pull_path = f"/api/v1/orgs/{org.pk}/integrations/{ecr_integration.pk}/pull-credentials"
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get(pull_path, headers=headers).status_code == 200

    integration_services.integration_delete(integration=ecr_integration)

    assert client.get(pull_path, headers=headers).status_code == 404
    service.refresh_from_db()
    assert (service.status, service.status_reason) == ("revoked", REVOKED)
    node = pipeline.nodes.get()
    assert (node.status, node.status_reason) == ("revoked", REVOKED)

    services.service_restart(service=service, user=None)
    service.refresh_from_db()
    assert (service.status, service.status_reason) == ("image_pull_back_off", REVOKED)
    assert service.rollouts.first().action == "restart"


def test_a_new_integration_restores_access(ecr_integration, org, ecr_image, ecr_pull_keys):
    service = deploy(org, ecr_image.uri)
    integration_services.integration_delete(integration=ecr_integration)
    make_integration(
        org,
        name="ecr-again",
        access_key_id=ecr_pull_keys.access_key_id,
        secret_access_key=ecr_pull_keys.secret_access_key,
    )
    services.service_restart(service=service, user=None)
    service.refresh_from_db()
    assert (service.status, service.revoked_integration) == ("running", "")


def test_pipeline_reports_every_node(ecr_integration, org, ecr_image):
    pipeline = services.pipeline_create(
        organization=org,
        name="train",
        nodes=[("good", ecr_image.uri), ("bad", f"{HOST}/{REPOSITORY}:missing")],
        user=None,
    )
    nodes = {node.name: node for node in services.pipeline_install(pipeline=pipeline, user=None)}
    assert nodes["good"].status == "running"
    assert nodes["bad"].status == "image_pull_back_off"
    assert nodes["bad"].status_reason == f"Image missing not found in {REPOSITORY}"
    assert Pipeline.objects.get().last_installed_at is not None


def test_updated_credentials_apply_at_restart_or_at_once_with_reload(
    ecr_integration, org, org_admin, ecr_image, moto_server, client
):
    service = deploy(org, ecr_image.uri)
    no_perms = moto_server.create_user()
    options = {
        "name": "AWS",
        "spec": {
            "accessKeyId": no_perms.access_key_id,
            "secretAccessKey": no_perms.secret_access_key,
            "account": "123456789012",
            "region": REGION,
        },
    }
    _, raw = api_token_create(user=org_admin, name="t")
    response = client.patch(
        f"/api/v1/orgs/{org.pk}/integrations",
        {"integrationId": str(ecr_integration.pk), "credentials": {"options": options}},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 200
    service.refresh_from_db()
    assert service.status == "running"  # untouched until its next restart
    response = client.patch(
        f"/api/v1/orgs/{org.pk}/integrations",
        {
            "integrationId": str(ecr_integration.pk),
            "credentials": {"options": options},
            "reloadServices": True,
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 200
    service.refresh_from_db()
    assert service.status == "image_pull_back_off"
    assert "credentials rejected" in service.status_reason


# --- pages ------------------------------------------------------------------------------------


def test_delete_dialog_lists_the_dependants(admin_http, ecr_integration, org, ecr_image):
    deploy(org, ecr_image.uri)
    pipeline = services.pipeline_create(
        organization=org, name="train", nodes=[("prep", ecr_image.uri)], user=None
    )
    html = admin_http.get(f"/integrations/{ecr_integration.pk}/delete/").content.decode()
    assert "These will lose access to their images:" in html
    assert "Service <strong>detector</strong>" in html
    assert f"Pipeline <strong>{pipeline.name}</strong>, node <strong>prep</strong>" in html


def test_delete_dialog_says_when_nothing_depends(admin_http, integration):
    html = admin_http.get(f"/integrations/{integration.pk}/delete/").content.decode()
    assert "No services or pipelines use images from" in html


def test_services_page_deploy_and_restart(admin_http, ecr_integration, ecr_image):
    response = admin_http.post(
        "/services/deploy/", {"name": "detector", "runner_image": ecr_image.uri}
    )
    assert response.status_code == 302
    html = admin_http.get("/services/").content.decode()
    assert "detector" in html and "Running" in html
    service = Service.objects.get()
    response = admin_http.post(
        f"/services/{service.pk}/restart/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"service-row-{service.pk}",
    )
    assert response.content.decode().lstrip().startswith(f'<tr id="service-row-{service.pk}"')
    assert Service.objects.get().rollouts.count() == 2


def test_services_page_rejects_a_bad_image(admin_http):
    response = admin_http.post("/services/deploy/", {"name": "x", "runner_image": "not an image"})
    assert response.status_code == 422
    assert "Enter an image reference" in response.content.decode()
    assert not Service.objects.exists()


def test_member_sees_services_but_cannot_deploy(member_http, org):
    assert member_http.get("/services/").status_code == 200
    response = member_http.post("/services/deploy/", {"name": "x", "runner_image": "python:3"})
    assert response.status_code == 403
    assert not Service.objects.exists()


def test_other_organizations_service_is_404(admin_http, other_org):
    service = deploy(other_org, "python:3.12")
    assert admin_http.get(f"/services/{service.pk}/").status_code == 404
    assert admin_http.post(f"/services/{service.pk}/restart/").status_code == 404


def test_manifests_download(admin_http, ecr_integration, org, ecr_image):
    service = deploy(org, ecr_image.uri)
    response = admin_http.get(f"/services/{service.pk}/manifests.yaml")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    text = response.content.decode()
    assert "kind: Deployment" in text and f'image: "{ecr_image.uri}"' in text
    assert "type: kubernetes.io/dockerconfigjson" in text
    assert "imagePullSecrets:" in text


def test_pipeline_pages(admin_http, ecr_integration, ecr_image):
    response = admin_http.post(
        "/pipelines/",
        {"name": "train", "nodes": f"good {ecr_image.uri}\nbad {HOST}/{REPOSITORY}:nope"},
    )
    assert response.status_code == 302
    pipeline = Pipeline.objects.get()
    response = admin_http.post(f"/pipelines/{pipeline.pk}/install/")
    html = admin_http.get(f"/pipelines/{pipeline.pk}/").content.decode()
    assert "Running" in html and "Image nope not found" in html
    assert "1 of 2 nodes running" in html


def test_pipeline_form_errors(admin_http):
    response = admin_http.post("/pipelines/", {"name": "p", "nodes": "only-a-name"})
    assert response.status_code == 422
    assert "Line 1" in response.content.decode()


# --- SDK and API ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_sdk_services_and_pipelines(
    live_server, org, org_admin, aws_endpoint, ecr_pull_keys, ecr_image
):
    cache.clear()
    make_integration(
        org,
        name="ecr",
        access_key_id=ecr_pull_keys.access_key_id,
        secret_access_key=ecr_pull_keys.secret_access_key,
    )
    _, raw = api_token_create(user=org_admin, name="sdk")
    client = dl.Client()
    client.base_url, client.token = live_server.url, raw
    org_entity = dl.Organizations(client).get(organization_id=str(org.pk))

    service = org_entity.services.deploy(name="detector", runner_image=ecr_image.uri)
    assert service.status == "running"
    assert [s.name for s in org_entity.services.list()] == ["detector"]
    assert service.restart().status == "running"

    pipeline = org_entity.pipelines.create(
        name="train",
        nodes=[
            {"name": "good", "runner_image": ecr_image.uri},
            {"name": "bad", "runner_image": f"{HOST}/{REPOSITORY}:nope"},
        ],
    )
    installed = pipeline.install()
    assert [(n.name, n.status) for n in installed.nodes] == [
        ("good", "running"),
        ("bad", "image_pull_back_off"),
    ]
    with pytest.raises(dl.exceptions.BadRequest):
        org_entity.services.deploy(name="x", runner_image="not an image")
    integration = Integration.objects.get()
    assert get_provider(integration.provider).registry_host(integration) == HOST


def test_pipelines_list_shows_each_node_and_installs(admin_http, ecr_integration, ecr_image):
    admin_http.post("/pipelines/", {"name": "train", "nodes": f"prep {ecr_image.uri}"})
    pipeline = Pipeline.objects.get()
    html = admin_http.get("/pipelines/").content.decode()
    assert 'data-node="prep"' in html and ecr_image.uri in html and "Pending" in html
    response = admin_http.post(f"/pipelines/{pipeline.pk}/install/", {"next": "list"})
    assert response.status_code == 302 and response["Location"] == "/pipelines/"
    html = admin_http.get("/pipelines/").content.decode()
    assert "Running" in html and "installed " in html


def test_restart_one_pipeline_node(admin_http, ecr_integration, ecr_image):
    admin_http.post("/pipelines/", {"name": "train", "nodes": f"prep {ecr_image.uri}"})
    node = Pipeline.objects.get().nodes.get()
    response = admin_http.post(
        f"/pipelines/{node.pipeline_id}/nodes/{node.pk}/restart/", HTTP_HX_REQUEST="true"
    )
    assert response["HX-Retarget"] == "#nodes-panel"
    assert "Running" in response.content.decode()
    node.refresh_from_db()
    assert node.status == "running" and node.rollouts.get().action == "restart"
