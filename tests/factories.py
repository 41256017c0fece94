"""Small, explicit builders for test data. Integrations go through the real service."""

from django.contrib.auth import get_user_model

from integrations_site.integrations import services
from integrations_site.integrations.providers import get_provider
from integrations_site.organizations.services import organization_create

# A well-formed secret no page, log or response may ever contain.
CANARY_SECRET = "CanarySecret/0123456789+abcdefghijKLMNOPQ"[:40]
VALID_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
VALID_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def make_user(username: str, password: str = "pw-for-tests-only"):
    return get_user_model().objects.create_user(username=username, password=password)


def make_org(name: str, *, admin):
    return organization_create(name=name, admin=admin)


def aws_fields(**overrides) -> dict:
    fields = {
        "access_key_id": VALID_ACCESS_KEY_ID,
        "secret_access_key": VALID_SECRET,
        "account": "123456789012",
        "region": "us-east-1",
    }
    fields.update(overrides)
    return fields


def make_integration(org, *, name: str, created_by=None, **credential_overrides):
    return services.integration_create(
        organization=org,
        created_by=created_by,
        name=name,
        provider=get_provider("aws"),
        credentials=aws_fields(**credential_overrides),
    )


# A registry on a closed loopback port: its pull credentials are its stored login (no network)
# and checks and rollouts against it fail at once.
CLOSED_REGISTRY = "127.0.0.1:9"
CLOSED_REGISTRY_IMAGE = f"{CLOSED_REGISTRY}/team/app:1"


def make_registry_integration(
    org, *, name: str = "local-registry", created_by=None, password: str = CANARY_SECRET
):
    """A Docker Registry v2 integration for CLOSED_REGISTRY, straight through the service."""
    return services.integration_create(
        organization=org,
        created_by=created_by,
        name=name,
        provider=get_provider("generic"),
        credentials={
            "url": f"http://{CLOSED_REGISTRY}",
            "username": "puller",
            "password": password,
            "verify_tls": True,
            "ca_certificate": "",
        },
    )
