"""Bad input is a 400 (or a field error on the page) and changes nothing: never a 500, never
silently stored. Each case here was a 500 or was accepted before; run on SQLite and
PostgreSQL (which refuses NUL in text)."""

import json

import pytest

from integrations_site.api.services import api_token_create
from integrations_site.deployments import services as deployments
from integrations_site.integrations.models import Integration

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, org, org_admin):
    token = api_token_create(user=org_admin, name="t")[1]

    def call(method: str, path: str, body=None, raw: str | None = None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return getattr(client, method)(
            f"/api/v1/orgs/{org.pk}{path}",
            data=data,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return call


def aws_body(name: str) -> dict:
    return {
        "type": "private-registry",
        "name": name,
        "options": {
            "name": "AWS",
            "spec": {
                "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
                "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "account": "123456789012",
                "region": "us-east-1",
            },
        },
        "metadata": {"provider": "aws"},
    }


@pytest.mark.parametrize(
    "name", ["bad\u0000name", "   ", "two\r\nlines", "tab\there", "x" * 101], ids=repr
)
def test_integration_names_are_field_errors(api, name):
    response = api("post", "/integrations", aws_body(name))
    assert response.status_code == 400, response.content
    assert "name" in response.json()["error"]["fields"]
    assert not Integration.objects.exists()


def test_a_lone_surrogate_anywhere_in_a_body_is_a_field_error(api):
    # json.dumps would escape it as "\\ud800"; json.loads turns that into a lone surrogate.
    raw = json.dumps(aws_body("ok")).replace('"ok"', '"\\ud800"')
    response = api("post", "/integrations", raw=raw)
    assert response.status_code == 400 and "name" in response.json()["error"]["fields"]
    nested = json.dumps(aws_body("ok")).replace('"us-east-1"', '"\\u0000"')
    response = api("post", "/integrations", raw=nested)
    assert response.status_code == 400
    assert not Integration.objects.exists()


def test_a_long_repository_to_check_is_a_field_error(api, integration):
    response = api("post", f"/integrations/{integration.pk}/check", {"repository": "a" * 600})
    assert response.status_code == 400
    assert "repository" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "image",
    ["@", ":", "/", "ghcr.io/", "a" * 300 + ".example.com/x:1", "x\u0000y", "Upper/Case"],
    ids=repr,
)
def test_pull_credentials_for_a_malformed_image_is_400(api, image):
    response = api("get", "/pull-credentials?image=" + image.replace("\u0000", "%00"))
    assert response.status_code == 400, response.content
    assert "image" in response.json()["error"]["fields"]


@pytest.mark.parametrize("image", ["@", ":", "/", "ghcr.io/", "a" * 300 + ".example.com/x"])
def test_deploying_a_malformed_image_is_400(api, image):
    response = api("post", "/services", {"name": "svc", "runnerImage": image})
    assert response.status_code == 400, response.content


def test_a_nul_in_the_list_filter_matches_nothing_and_fails_nothing(admin_http, integration):
    response = admin_http.get("/integrations/?q=%00")
    assert response.status_code == 200


def test_switching_to_a_malformed_organization_is_404(admin_http):
    assert admin_http.post("/orgs/switch/", {"organization": "zz"}).status_code == 404


def test_an_unknown_host_header_is_400_not_500(client, settings):
    settings.DEBUG = False
    response = client.get("/integrations/", HTTP_HOST="evil.example")
    assert response.status_code == 400


def test_a_quote_or_line_break_in_a_service_name_stays_out_of_the_header(admin_http, org):
    service = deployments.service_deploy(
        organization=org, name="svc", runner_image="127.0.0.1:9/a/b:1", user=None
    )
    # Names with quotes are valid; the download's file name is a slug of it.
    type(service).objects.filter(pk=service.pk).update(name='we"ird\r\nname')
    response = admin_http.get(f"/services/{service.pk}/manifests.yaml")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="weird-name-k8s.yaml"'


@pytest.mark.parametrize("name", ["   ", "two\r\nlines", "x" * 101], ids=repr)
def test_driver_and_token_names_are_field_errors(admin_http, name):
    from integrations_site.api.models import ApiToken

    response = admin_http.post("/tokens/new/", {"name": name})
    assert response.status_code == 422 and not ApiToken.objects.exists()
    response = admin_http.post("/storage-drivers/new/", {"name": name, "bucket": "acme-data"})
    assert response.status_code in (200, 422)
    assert 'id="id_name_error_' in response.content.decode()


@pytest.mark.parametrize("name", ["   ", "a\r\nb", "nul\u0000", "x" * 101], ids=repr)
def test_service_and_pipeline_names_are_field_errors(api, name):
    from integrations_site.deployments.models import Pipeline, Service

    response = api("post", "/services", {"name": name, "runnerImage": "127.0.0.1:9/a/b:1"})
    assert response.status_code == 400 and "name" in response.json()["error"]["fields"]
    response = api(
        "post",
        "/pipelines",
        {"name": "ok", "nodes": [{"name": name, "runnerImage": "127.0.0.1:9/a/b:1"}]},
    )
    assert response.status_code == 400
    assert not Service.objects.exists() and not Pipeline.objects.exists()


def test_blank_node_names_and_bad_images_are_named_on_the_page(admin_http):
    response = admin_http.post("/services/deploy/", {"name": "   ", "runner_image": "ghcr.io/"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "This field is required." in html and "repository name" in html


def test_a_member_id_no_database_holds_is_404(api):
    # Found by the fuzz run: an id past 64 bits was a 500 on SQLite.
    response = api("delete", "/members/27800774516351681680004612096")
    assert response.status_code == 404
