"""Pull credentials by integration id, answered from the cache: the database still decides.

The cached entry is used only through the read's audit INSERT, which finds the integration in
the caller's organization under the entry's credentials version. These tests put a stale
entry back by hand (what a mint racing a delete or a replacement could leave) and check that
it is never served."""

import pytest
from django.core.cache import cache

from integrations_site.api.services import api_token_create, runtime_token_create
from integrations_site.audit.models import AuditEvent
from integrations_site.audit.services import audit_seal, verify_all
from integrations_site.integrations import services
from integrations_site.integrations.providers import get_provider

pytestmark = pytest.mark.django_db
GENERIC = get_provider("generic")


def login(password: str = "first-pw") -> dict:
    return {
        "url": "http://127.0.0.1:9",
        "username": "puller",
        "password": password,
        "verify_tls": True,
        "ca_certificate": "",
    }


@pytest.fixture
def registry(org, org_admin):
    return services.integration_create(
        organization=org, created_by=org_admin, name="team-registry", provider=GENERIC,
        credentials=login(),
    )  # fmt: skip


def pull(client, org_id, integration_id, raw: str):
    url = f"/api/v1/orgs/{org_id}/integrations/{integration_id}/pull-credentials"
    return client.get(url, headers={"Authorization": f"Bearer {raw}"})


def password_of(response) -> str:
    (auth,) = response.json()["auths"].values()
    return auth["password"]


def entry(integration) -> object:
    return cache.get(f"pull-credentials:{integration.pk}")


def reads() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="integration.pull_credentials").order_by("id"))


def test_a_cached_read_is_recorded_as_the_minted_one_and_seals_into_the_chain(
    client, org, org_admin, registry
):
    token, raw = runtime_token_create(organization=org, created_by=org_admin, name="cluster")
    assert token.is_runtime
    minted = pull(client, org.pk, registry.pk, raw)
    assert entry(registry) is not None
    cached = pull(client, org.pk, registry.pk, raw)
    assert cached.status_code == minted.status_code == 200
    assert cached.json() == minted.json()
    first, second = reads()
    same = [
        "chain", "organization_id", "actor_kind", "actor_id", "actor_name", "action",
        "target_type", "target_id", "target_name", "outcome", "details", "client_address",
        "user_agent",
    ]  # fmt: skip
    assert [getattr(second, name) for name in same] == [getattr(first, name) for name in same]
    assert (second.target_id, second.target_name) == (str(registry.pk), "team-registry")
    assert (second.actor_kind, second.actor_name) == ("runtime", "runtime: cluster")
    assert second.sequence is None  # waiting, as every pull read
    assert audit_seal() >= 2 and verify_all() == []


def test_the_event_names_the_integration_as_it_is_now(client, org, org_admin, registry):
    raw = api_token_create(user=org_admin, name="laptop")[1]
    pull(client, org.pk, registry.pk, raw)
    services.integration_update(integration=registry, name="renamed")
    assert entry(registry) is not None  # a rename keeps the credentials, and their entry
    assert pull(client, org.pk, registry.pk, raw).status_code == 200
    assert reads()[-1].target_name == "renamed"


def test_an_entry_left_behind_by_a_delete_is_never_served(client, org, org_admin, registry):
    raw = api_token_create(user=org_admin, name="laptop")[1]
    assert pull(client, org.pk, registry.pk, raw).status_code == 200
    left = entry(registry)
    services.integration_delete(integration=registry)
    cache.set(f"pull-credentials:{registry.pk}", left)  # a mint that stored after the purge
    before = len(reads())
    response = pull(client, org.pk, registry.pk, raw)
    assert response.status_code == 404
    assert "first-pw" not in response.content.decode()
    assert len(reads()) == before  # no read recorded
    assert entry(registry) is None  # and the stale entry is gone


def test_an_entry_of_replaced_credentials_is_never_served(client, org, org_admin, registry):
    raw = api_token_create(user=org_admin, name="laptop")[1]
    assert password_of(pull(client, org.pk, registry.pk, raw)) == "first-pw"
    left = entry(registry)
    services.integration_update(integration=registry, provider=GENERIC, credentials=login("new"))
    cache.set(f"pull-credentials:{registry.pk}", left)  # a mint of the old ones, stored late
    response = pull(client, org.pk, registry.pk, raw)
    assert response.status_code == 200 and password_of(response) == "new"
    assert password_of(pull(client, org.pk, registry.pk, raw)) == "new"  # cached anew
    assert len(reads()) == 3


def test_another_organizations_id_neither_reads_nor_evicts_the_entry(
    client, org, org_admin, other_org, outsider, registry
):
    raw = api_token_create(user=org_admin, name="laptop")[1]
    assert pull(client, org.pk, registry.pk, raw).status_code == 200
    cached = entry(registry)
    stranger = api_token_create(user=outsider, name="theirs")[1]
    before = len(reads())
    # Their own organization in the path, our integration's id: not found, nothing recorded,
    # and our entry stays (no one outside can make us mint again).
    response = pull(client, other_org.pk, registry.pk, stranger)
    assert response.status_code == 404
    assert "first-pw" not in response.content.decode()
    assert len(reads()) == before
    assert entry(registry) == cached
