"""The integration serving an image's host is found by one indexed query on the stored,
normalised registry host (IntegrationQuerySet.serving_registry): for pulls by image, deploy,
manifests and delete. Hosts are normalised on every write, and a migration backfilled the AWS
rows made before the host was stored."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from integrations_site.api.services import runtime_token_create
from integrations_site.integrations import services
from integrations_site.integrations.models import Integration, IntegrationType, normalise_registry
from integrations_site.integrations.providers import get_provider
from tests.api import bulk
from tests.factories import CANARY_SECRET, aws_fields

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1:9"
IMAGE = f"{HOST}/team/app:1"


def generic(org, name: str, url: str = f"http://{HOST}") -> Integration:
    return services.integration_create(
        organization=org,
        created_by=None,
        name=name,
        provider=get_provider("generic"),
        credentials={
            "url": url,
            "username": "puller",
            "password": CANARY_SECRET,
            "verify_tls": True,
            "ca_certificate": "",
        },
    )


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Registry.Example.COM", "registry.example.com"),
        ("https://registry.example.com:5000/", "registry.example.com:5000"),
        ("http://REGISTRY.example.com/v2/", "registry.example.com"),
        (" ghcr.io ", "ghcr.io"),
        ("", ""),
    ],
)
def test_hosts_are_normalised(given, stored):
    assert normalise_registry(given) == stored


def test_every_write_stores_the_normalised_host(org):
    created = generic(org, "upper", url="https://Registry.Example.COM:5000")
    assert Integration.objects.get(pk=created.pk).registry == "registry.example.com:5000"
    created.registry = "HTTPS://Other.Example.com/"
    created.save()
    assert Integration.objects.get(pk=created.pk).registry == "other.example.com"
    (made,) = bulk.integrations(org, 1, prefix="bulk-upper", registry="Bulk.Example.COM:443")
    assert Integration.objects.get(pk=made.pk).registry == "bulk.example.com:443"


def test_the_lookup_matches_any_spelling_of_the_host(org):
    created = generic(org, "mine", url="https://registry.example.com:5000")
    found = Integration.objects.for_organization(org).serving_registry("REGISTRY.example.com:5000")
    assert found == created
    assert (
        Integration.objects.for_organization(org).serving_registry("registry.example.com") is None
    )


def test_the_newest_integration_serving_a_host_wins(org):
    older = generic(org, "older")
    newer = generic(org, "newer")
    bulk.spread(Integration, [older, newer])
    assert Integration.objects.for_organization(org).serving_registry(HOST) == newer
    newer.delete()
    assert Integration.objects.for_organization(org).serving_registry(HOST) == older


def test_only_registry_integrations_of_the_organization_serve(org, other_org):
    generic(other_org, "theirs")
    Integration.objects.create(
        organization=org,
        name="storage",
        type=IntegrationType.S3,
        provider="aws-s3",
        registry=HOST,  # never set by the S3 provider; even so, storage serves no image
        credentials=aws_fields(),
    )
    assert Integration.objects.for_organization(org).serving_registry(HOST) is None


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_lookup_is_one_query_at_any_scale(org, rows, django_assert_num_queries):
    bulk.integrations(org, rows)
    wanted = generic(org, "wanted")
    with django_assert_num_queries(1):
        found = Integration.objects.for_organization(org).serving_registry(HOST)
    assert found == wanted


def test_pull_by_image_costs_the_same_queries_at_10_and_1000_integrations(client, org, org_admin):
    generic(org, "local-registry")
    _, raw = runtime_token_create(organization=org, created_by=org_admin, name="cluster")
    path = f"/api/v1/orgs/{org.pk}/pull-credentials?image={IMAGE}"
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get(path, headers=headers).status_code == 200  # token and pull now cached
    counts = []
    for more in (10, 990):
        bulk.integrations(org, more, prefix=f"n{more}")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, headers=headers)
        assert response.status_code == 200
        assert response.json()["auths"][HOST]["password"] == CANARY_SECRET
        lookups = [q for q in queries.captured_queries if "integrations_integration" in q["sql"]]
        counts.append((len(queries), len(lookups)))
    # The same at both scales; one lookup (the token and the login come from the cache; the
    # others are the audit record of the pull).
    assert counts[0] == counts[1] and counts[0][1] == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_backfills_aws_hosts_and_normalises_the_others():
    before = [("integrations", "0005_worker_schedule")]
    after = [("integrations", "0006_registry_lookup_and_keyset_indexes")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        apps = executor.loader.project_state(before).apps
        Organization = apps.get_model("organizations", "Organization")
        Historical = apps.get_model("integrations", "Integration")
        organization = Organization.objects.create(name="Old")
        common = {"organization": organization, "type": "private-registry", "credentials": {}}
        Historical.objects.create(
            name="ecr", provider="aws", account="123456789012", region="eu-west-1", **common
        )
        Historical.objects.create(
            name="ecr-china", provider="aws", account="123456789012", region="cn-north-1", **common
        )
        Historical.objects.create(
            name="v2", provider="generic", registry="HTTPS://Registry.Example.com:5000/", **common
        )
        Historical.objects.create(name="unknown", provider="aws", **common)  # nothing to compute

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        hosts = dict(Integration.objects.values_list("name", "registry"))
        assert hosts == {
            "ecr": "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
            "ecr-china": "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
            "v2": "registry.example.com:5000",
            "unknown": "",
        }
        found = Integration.objects.filter(organization_id=organization.pk).serving_registry(
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
        )
        assert found is not None and found.name == "ecr"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
