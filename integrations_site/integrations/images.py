"""Image references: `host/repository:tag` or `@digest`, parsed the way Docker does."""

from dataclasses import dataclass

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
