"""Schema-driven fuzzing of the whole API (schemathesis, from our own OpenAPI document): no
generated request, valid or not, may get a 5xx. Runs on SQLite and PostgreSQL with `make test`.

Path parameters point at real objects of the caller's organization half of the time, so the
generated bodies reach the validation and the services, not only the 404 of an unknown id."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from integrations_site.api.services import api_token_create
from integrations_site.deployments import services as deployments
from integrations_site.integrations import services as integrations
from integrations_site.integrations.providers import get_provider
from integrations_site.storage import services as storage
from tests.factories import VALID_ACCESS_KEY_ID, VALID_SECRET, make_registry_integration

EXAMPLES_PER_OPERATION = 40


def _operations():
    """The API's operations, read from its OpenAPI document (no HTTP needed to list them)."""
    from integrations_site.api_root import api

    schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
    return schema, {operation.label: operation for operation in _ok(schema)}


def _ok(schema):
    return [result.ok() for result in schema.get_all_operations()]


SCHEMA, OPERATIONS = _operations()
APP = get_wsgi_application()


@pytest.fixture
def world(org, org_admin):
    registry = make_registry_integration(org, created_by=org_admin, password="p")
    keys = integrations.integration_create(
        organization=org,
        created_by=org_admin,
        name="s3-keys",
        provider=get_provider("aws-s3"),
        credentials={"access_key_id": VALID_ACCESS_KEY_ID, "secret_access_key": VALID_SECRET},
    )
    service = deployments.service_deploy(
        organization=org, name="svc", runner_image="127.0.0.1:9/a/b:1", user=org_admin
    )
    pipeline = deployments.pipeline_create(
        organization=org, name="pipe", nodes=[("n1", "127.0.0.1:9/a/b:1")], user=org_admin
    )
    driver = storage.storage_driver_create(
        organization=org, created_by=org_admin, name="d", integration=keys, bucket="acme-data"
    )
    return {
        "org_id": str(org.pk),
        "integration_id": str(registry.pk),
        "service_id": str(service.pk),
        "pipeline_id": str(pipeline.pk),
        "driver_id": str(driver.pk),
        "token": api_token_create(user=org_admin, name="fuzz")[1],
    }


@pytest.fixture
def in_process_requests():
    """The WSGI app closes the database connection after each request, which would end the
    test's transaction; Django's own test client disconnects the same signal handlers."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_request_gets_a_server_error(label, world, in_process_requests):
    operation = OPERATIONS[label]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case):
        for name in case.path_parameters or {}:
            # Real ids for most examples; the org always, or nearly all is a plain 404.
            if name in world and (name == "org_id" or hash(repr(case.body)) % 2 == 0):
                case.path_parameters[name] = world[name]
        case.call_and_validate(
            headers={"Authorization": f"Bearer {world['token']}"},
            checks=[not_a_server_error],
            app=APP,
        )

    run()
