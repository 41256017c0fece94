"""What is recorded, by whom, from where, and in which transaction."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from integrations_site import audit
from integrations_site.api.services import api_token_revoke, runtime_token_create
from integrations_site.audit.context import client_address
from integrations_site.audit.models import SITE_CHAIN, AppendOnly, AuditEvent
from integrations_site.integrations import services as integrations
from integrations_site.integrations.models import Integration
from integrations_site.integrations.providers import get_provider
from integrations_site.storage import services as storage
from tests.audit.support import REGISTRY, actions, api, bearer, events, generic_body
from tests.factories import VALID_ACCESS_KEY_ID, VALID_SECRET

pytestmark = pytest.mark.django_db
GENERIC = {
    "url": f"http://{REGISTRY}",
    "username": "u",
    "password": "p",
    "verify_tls": True,
    "ca_certificate": "",
}


def test_an_api_create_names_actor_target_address_agent_and_request_id(client, org, org_admin):
    headers = {**bearer(org_admin, "laptop"), "User-Agent": "sdk/1.0", "X-Request-ID": "req-42"}
    response = api(client, "post", f"/orgs/{org.pk}/integrations", generic_body(), **headers)
    assert response.status_code == 201, response.content
    (event,) = events(action="integration.create")
    integration = Integration.objects.get()
    assert event.organization_id == org.pk and event.chain == org.pk
    assert (event.actor_kind, event.actor_name) == ("token", "alice: laptop")
    assert (event.target_type, event.target_id, event.target_name) == (
        "integration",
        str(integration.pk),
        "local-registry",
    )
    assert event.outcome == "success" and event.details == {"status": integration.status}
    assert (event.client_address, event.user_agent, event.request_id) == (
        "127.0.0.1",
        "sdk/1.0",
        "req-42",
    )


def test_update_names_the_fields_never_the_values(client, org, org_admin):
    headers = bearer(org_admin)
    api(client, "post", f"/orgs/{org.pk}/integrations", generic_body(), **headers)
    integration = Integration.objects.get()
    body = {"integrationId": str(integration.pk), "name": "renamed"}
    assert api(client, "patch", f"/orgs/{org.pk}/integrations", body, **headers).status_code == 200
    (event,) = events(action="integration.update")
    assert event.details == {"fields": ["name"]} and event.target_name == "renamed"
    integrations.integration_update(
        integration=integration,
        provider=get_provider("generic"),
        credentials={**GENERIC, "password": "s3cr3t-value"},
    )
    last = events(action="integration.update")[-1]
    assert last.details == {"fields": sorted(GENERIC)}
    assert "s3cr3t-value" not in str(AuditEvent.objects.values_list())


def test_a_rolled_back_change_leaves_no_event(org, org_admin):
    with pytest.raises(RuntimeError), transaction.atomic():
        integrations.integration_create(
            organization=org,
            created_by=org_admin,
            name="gone",
            provider=get_provider("generic"),
            credentials=GENERIC,
        )
        assert actions(action="integration.create") == [("integration.create", "success")]
        raise RuntimeError("the request failed later")
    assert not Integration.objects.exists()
    assert actions(action="integration.create") == []


def test_a_refused_delete_is_recorded_as_a_failure(org, org_admin):
    keys = integrations.integration_create(
        organization=org,
        created_by=org_admin,
        name="s3-keys",
        provider=get_provider("aws-s3"),
        credentials={"access_key_id": VALID_ACCESS_KEY_ID, "secret_access_key": VALID_SECRET},
    )
    storage.storage_driver_create(
        organization=org, created_by=org_admin, name="d", integration=keys, bucket="b"
    )
    with pytest.raises(integrations.IntegrationInUse):
        integrations.integration_delete(integration=keys)
    assert Integration.objects.filter(pk=keys.pk).exists()
    assert actions(action="integration.delete") == [("integration.delete", "failure")]
    assert events(action="integration.delete")[0].details == {"reason": "IntegrationInUse"}
    assert actions(action="storagedriver.create") == [("storagedriver.create", "success")]


def test_delete_check_and_failed_check(admin_http, integration):
    # AWS is a closed port here: the check fails, and says so.
    assert admin_http.post(f"/integrations/{integration.pk}/check/").status_code == 302
    assert admin_http.post(f"/integrations/{integration.pk}/delete/").status_code == 302
    recorded = actions(organization_id=integration.organization_id)
    assert recorded[-2:] == [("integration.check", "failure"), ("integration.delete", "success")]
    check = events(action="integration.check")[0]
    assert check.actor_name == "alice" and check.details["status"] == "not_verified"


def test_a_failed_token_and_pull_credentials_reads(client, org, org_admin):
    response = client.get("/api/v1/orgs", headers={"Authorization": "Bearer dlt_not-a-token"})
    assert response.status_code == 401
    (failed,) = events(action="token.use")
    assert (failed.outcome, failed.chain, failed.organization_id) == ("failure", SITE_CHAIN, None)
    assert failed.client_address == "127.0.0.1" and "dlt_" not in str(vars(failed))

    token, raw = runtime_token_create(organization=org, created_by=org_admin, name="cluster")
    created = integrations.integration_create(
        organization=org,
        created_by=org_admin,
        name="r",
        provider=get_provider("generic"),
        credentials=GENERIC,
    )
    url = f"/orgs/{org.pk}/integrations/{created.pk}/pull-credentials"
    assert api(client, "get", url, Authorization=f"Bearer {raw}").status_code == 200
    (read,) = events(action="integration.pull_credentials")
    assert (read.actor_kind, read.actor_id, read.actor_name) == (
        "runtime",
        str(token.pk),
        "runtime: cluster",
    )
    assert read.details == {"registry": REGISTRY} and read.target_name == "r"
    api_token_revoke(token=token)
    assert actions(action="token.revoke") == [("token.revoke", "success")]
    assert events(action="token.create")[0].details == {"kind": "runtime"}


def test_sign_in_failure_and_lockout_are_recorded(client, org_member, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client.post("/accounts/login/", {"username": "bob", "password": "wrong-one"})
    client.post("/accounts/login/", {"username": "bob", "password": "wrong-two"})
    recorded = sorted(actions(chain=SITE_CHAIN))
    assert recorded == [("login", "failure"), ("login", "failure"), ("login.lockout", "failure")]
    assert all(e.actor_name == "bob" for e in events(chain=SITE_CHAIN))
    assert "wrong-" not in str(AuditEvent.objects.values_list())


def test_a_sign_in_is_recorded(client, org_member):
    response = client.post("/accounts/login/", {"username": "bob", "password": "pw-for-tests-only"})
    assert response.status_code == 302
    (event,) = events(action="login")
    assert (event.actor_kind, event.actor_name, event.outcome) == ("user", "bob", "success")


def test_deploy_restart_and_install_are_recorded(org, org_admin):
    from integrations_site.deployments import services as deployments

    image = f"{REGISTRY}/team/app:1"
    service = deployments.service_deploy(
        organization=org, name="svc", runner_image=image, user=org_admin
    )
    deployments.service_restart(service=service, user=org_admin)
    deployments.service_deploy(organization=org, name="svc", runner_image=image, user=org_admin)
    pipeline = deployments.pipeline_create(
        organization=org, name="pipe", nodes=[("n1", image)], user=org_admin
    )
    deployments.pipeline_install(pipeline=pipeline, user=org_admin)
    names = [action for action, _ in actions(organization_id=org.pk)]
    assert names == ["service.deploy", "service.restart", "service.update", "pipelinenode.install"]
    install = events(action="pipelinenode.install")[0]
    assert install.target_name == str(pipeline.nodes.get()) and install.details["image"] == image


def test_events_refuse_to_change():
    event = audit.record(action="login", target_type="user", target_name="x")
    event.action = "something else"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.update(action="x")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().action == "login"


def test_recording_costs_one_insert_and_the_chain_head(org):
    audit.record(action="login", organization_id=org.pk)  # the chain's head now exists
    with CaptureQueriesContext(connection) as queries:
        audit.record(action="login", organization_id=org.pk)
    statements = [query["sql"].split()[0].upper() for query in queries]
    # SQLite has no FOR UPDATE (its writers are serialized), so the lock is a plain SELECT.
    assert statements == ["SELECT", "INSERT", "UPDATE"]
    if connection.vendor == "postgresql":
        assert "FOR UPDATE" in queries[0]["sql"]


def test_a_request_adds_one_insert(admin_http, integration):
    with CaptureQueriesContext(connection) as queries:
        admin_http.post(f"/integrations/{integration.pk}/delete/")
    audit_sql = [q["sql"] for q in queries if '"audit_' in q["sql"]]
    inserts = [sql for sql in audit_sql if sql.startswith("INSERT")]
    assert len(inserts) == 1 and len(audit_sql) == 3


def test_the_client_address_rule_is_the_throttling_rule(rf, settings):
    from integrations_site.api.throttling import client_address as throttling_address

    for header, meta in [
        ("", {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}),
        (
            "X-Forwarded-For",
            {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 1.2.3.4"},
        ),
        ("X-Real-IP", {"REMOTE_ADDR": "10.0.0.1"}),
    ]:
        settings.CLIENT_IP_HEADER = header
        request = rf.get("/", **meta)
        assert client_address(request) == throttling_address(request)
