"""What happens at a rollout: find the integration serving the image's registry, mint pull
credentials with it, and check that the image exists. Read-only towards the registry.

This stands in for the cluster runtime: its outcome is what a pod start would see."""

from dataclasses import dataclass

from integrations_site.integrations.images import parse_image
from integrations_site.integrations.models import Integration
from integrations_site.integrations.providers import (
    ImageMissing,
    RegistryRefused,
    RegistryUnreachable,
    get_provider,
)
from integrations_site.integrations.pull import pull_credentials
from integrations_site.organizations.models import Organization

from .messages import revoked_reason
from .models import RunStatus


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: str = ""
    integration_name: str = ""


def roll_out_image(
    organization: Organization, image: str, *, revoked_integration: str = ""
) -> Outcome:
    backoff = RunStatus.IMAGE_PULL_BACK_OFF
    try:
        reference = parse_image(image)
    except ValueError as error:
        return Outcome(backoff, str(error))
    integration = Integration.objects.for_organization(organization).serving_registry(
        reference.registry
    )
    if integration is None:
        if revoked_integration:
            return Outcome(backoff, revoked_reason(revoked_integration))
        return Outcome(backoff, f"No registry integration for {reference.registry}")
    name = integration.name
    provider = get_provider(integration.provider)
    try:
        pull_credentials(integration)
        provider.find_image(
            integration.credentials,
            reference.repository,
            tag=reference.tag,
            digest=reference.digest,
        )
    except RegistryUnreachable as error:
        return Outcome(backoff, provider.unreachable_reason(error), name)
    except RegistryRefused as error:
        return Outcome(backoff, f"Integration '{name}' credentials rejected: {error}", name)
    except ImageMissing as error:
        return Outcome(backoff, str(error), name)
    return Outcome(RunStatus.RUNNING, "", name)
