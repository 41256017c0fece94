"""What the vendor registry providers (Quay, GitLab, JFrog Artifactory, Harbor, Alibaba Cloud
ACR) share beyond ``V2Provider``: an endpoint field that takes a host or a base URL, and
failures worded in the vendor's own terms (its account kinds, and where to fix them).

Each vendor module says how its failures read by overriding ``rejected`` (the login was
refused) and ``denied_hint`` (the login may not pull a repository), or ``explain`` for
anything else; the checks and image lookups here pass every problem through ``explain``."""

import re
import socket
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from ... import messages
from ..base import ImageMissing, RegistryRefused, RegistryUnreachable
from ..outbound import refused_address, resolve
from .base import V2Provider
from .client import RegistryClient, RegistryProblem, is_loopback


def endpoint_url(value: str, *, public_hosts: re.Pattern | None = None) -> str:
    """`host[:port]` or `scheme://host[:port]` as a base URL, https unless given. Plain http
    only for loopback (a lab or a test registry). A host the vendor's own public pattern does
    not match must resolve, to addresses the outbound policy allows (checked again, on the
    address connected to, at every connection)."""
    value = value.strip().rstrip("/")
    if "://" not in value:
        value = f"https://{value}"
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError(messages.REGISTRY_URL_FORM)
    if "@" in parts.netloc or parts.path or "?" in value or "#" in value:
        raise ValidationError(messages.REGISTRY_URL_PARTS)
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port is not None and not 1 <= port <= 65535:
        raise ValidationError(messages.REGISTRY_URL_PORT)
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValidationError(messages.REGISTRY_URL_HTTP)
    if public_hosts is None or not public_hosts.match(parts.hostname):
        try:
            infos = resolve(parts.hostname, port or 443)
        except (socket.gaierror, UnicodeError):
            raise ValidationError(messages.could_not_resolve(parts.hostname)) from None
        if not infos or refused_address(infos):
            raise ValidationError(messages.ADDRESS_NOT_ALLOWED)
    return f"{parts.scheme}://{parts.netloc.lower()}"


class VendorProvider(V2Provider):
    """A v2 registry whose failures name the vendor's accounts and settings."""

    def rejected(self, credentials: dict, host: str) -> str:
        """The check's words when the registry (or its token service) refuses the login."""
        return f"{host} rejected the username or password."

    def denied_hint(self, credentials: dict, repository: str) -> str:
        """What to change when the login is accepted but may not pull `repository`."""
        return ""

    def explain(self, problem: RegistryProblem, credentials: dict, repository: str):
        """`problem` in the vendor's words; kind "denied" when the login may not pull."""
        host = self.login(credentials).host
        if problem.kind == "credentials":
            return RegistryProblem("credentials", self.rejected(credentials, host))
        if problem.kind == "repository" and "may not pull" in problem.message:
            hint = self.denied_hint(credentials, repository)
            return RegistryProblem("denied", f"{problem.message} {hint}".strip())
        return problem

    @sensitive_variables()
    def find_image(
        self, credentials: dict, repository: str, *, tag: str | None, digest: str | None
    ) -> None:
        try:
            with RegistryClient(self.login(credentials)) as client:
                client.ping()  # tells "wrong password" apart from "may not pull this"
                client.manifest(repository, digest or tag or "latest")
        except RegistryProblem as problem:
            problem = self.explain(problem, credentials, repository)
            if problem.kind in ("unreachable", "tls", "blocked"):
                raise RegistryUnreachable(problem.message) from None
            if problem.kind == "credentials":
                raise RegistryRefused(problem.message.rstrip(".")) from None
            if problem.kind == "denied":
                hint = self.denied_hint(credentials, repository)
                raise RegistryRefused(
                    f"not allowed to pull {repository}" + (f": {hint}" if hint else "")
                ) from None
            raise ImageMissing(problem.message) from None
