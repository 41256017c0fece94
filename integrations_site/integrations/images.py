"""Image references and the registry integration that serves them."""

from dataclasses import dataclass

from integrations_site.organizations.models import Organization

from .models import Integration, IntegrationType
from .providers import get_provider

DOCKER_HUB = "docker.io"


@dataclass(frozen=True)
class ImageReference:
    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def version(self) -> str:
        return self.digest or self.tag or "latest"


def parse_image(image: str) -> ImageReference:
    """Split `host/repo:tag` or `host/repo@sha256:…` the way Docker does: the first part is a
    registry host only if it has a '.' or ':' or is 'localhost'; otherwise Docker Hub."""
    reference = image.strip()
    if not reference or " " in reference:
        raise ValueError(f"Not an image reference: {image!r}.")
    digest = None
    if "@" in reference:
        reference, digest = reference.split("@", 1)
    first, _, rest = reference.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, path = first.lower(), rest
    else:
        registry, path = DOCKER_HUB, reference
        if "/" not in path:
            path = f"library/{path}"
    tag = None
    name, _, maybe_tag = path.rpartition(":")
    if name and "/" not in maybe_tag:
        path, tag = name, maybe_tag
    if not path:
        raise ValueError(f"Not an image reference: {image!r}.")
    return ImageReference(registry=registry, repository=path, tag=tag, digest=digest)


def registry_integration_for(organization: Organization, registry: str) -> Integration | None:
    """The organization's registry integration serving `registry` (newest first wins)."""
    candidates = Integration.objects.for_organization(organization).filter(
        type=IntegrationType.PRIVATE_REGISTRY
    )
    for integration in candidates.defer("credentials"):
        provider = get_provider(integration.provider)
        if provider is not None and provider.registry_host(integration) == registry:
            return integration
    return None
