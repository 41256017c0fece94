"""Image references: `host[:port]/repository[:tag][@digest]`, read with the grammar of the
distribution project (the one Docker and every v2 registry use), so anything accepted here is
an image a runtime can pull, and anything else is a ValueError whose message says which part
is wrong. The registry part is there only if the first component has a '.' or ':', is
'localhost' or has capitals; otherwise the image is on Docker Hub."""

import re
from dataclasses import dataclass

DOCKER_HUB = "docker.io"
NAME_MAX_LENGTH = 255  # distribution's limit for host plus repository
REFERENCE_MAX_LENGTH = 500

_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = re.compile(rf"^(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:.]+\])$")
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[_.]|__|-+)[a-z0-9]+)*"
_REPOSITORY = re.compile(rf"^{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*$")
_TAG = re.compile(r"^[\w][\w.-]{0,127}$", re.ASCII)
_DIGEST = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")


@dataclass(frozen=True)
class ImageReference:
    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def version(self) -> str:
        return self.digest or self.tag or "latest"


def validate_repository(repository: str) -> str:
    """A repository name such as `models/detector`: lower-case path components."""
    if not repository or len(repository) > NAME_MAX_LENGTH:
        raise ValueError(f"A repository name has 1 to {NAME_MAX_LENGTH} characters.")
    if not _REPOSITORY.match(repository):
        raise ValueError(
            "A repository name is lower-case letters and digits in parts separated by '/', "
            "with '.', '_' or '-' inside a part, e.g. models/detector."
        )
    return repository


def _validate_registry(registry: str) -> str:
    host, colon, port = registry.rpartition(":") if not registry.endswith("]") else ("", "", "")
    if not colon:
        host, port = registry, ""
    if port and (not port.isdigit() or not 0 < int(port) < 65536):
        raise ValueError(f"The registry port in {registry!r} is not a port number (1–65535).")
    labels = host.strip("[]").split(".") if not host.startswith("[") else []
    if not _HOST.match(host) or len(host) > 253 or any(len(label) > 63 for label in labels):
        raise ValueError(f"{registry!r} is not a registry host name.")
    return registry.lower()


def parse_image(image: str) -> ImageReference:
    """Split `host/repo:tag` or `host/repo@sha256:…`; ValueError says what is wrong."""
    reference = image.strip()
    if not reference:
        raise ValueError("Enter an image reference such as registry.example.com/team/app:1.0.")
    if len(reference) > REFERENCE_MAX_LENGTH:
        raise ValueError(f"An image reference has at most {REFERENCE_MAX_LENGTH} characters.")
    if not reference.isascii() or not reference.isprintable() or " " in reference:
        raise ValueError("An image reference has no spaces, control or non-ASCII characters.")
    digest = None
    if "@" in reference:
        reference, digest = reference.split("@", 1)
        if not _DIGEST.match(digest):
            raise ValueError(f"{digest!r} is not a digest (e.g. sha256:<64 hex digits>).")
    first, slash, rest = reference.partition("/")
    has_registry = slash and (
        "." in first or ":" in first or first == "localhost" or first.lower() != first
    )
    if has_registry:
        registry, path = _validate_registry(first), rest
    else:
        registry, path = DOCKER_HUB, reference
        if "/" not in path:
            path = f"library/{path}"
    tag = None
    name, colon, maybe_tag = path.rpartition(":")
    if colon:
        if not _TAG.match(maybe_tag):
            raise ValueError(f"{maybe_tag!r} is not a tag (letters, digits, '_', '.', '-').")
        path, tag = name, maybe_tag
    validate_repository(path)
    if len(registry) + 1 + len(path) > NAME_MAX_LENGTH:
        raise ValueError(f"An image name has at most {NAME_MAX_LENGTH} characters.")
    return ImageReference(registry=registry, repository=path, tag=tag, digest=digest)
