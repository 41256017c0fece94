"""JFrog Artifactory Docker repositories (self-hosted, or a JFrog Cloud host), signed in with
a username and an API key or identity token (HTTP Basic).

How images name a Docker repository decides everything else, so the integration says which
of Artifactory's two methods its images use:

* Repository path: images are HOST/REPOSITORY-KEY/IMAGE:TAG. The integration serves the host
  (`registry_host` is HOST), so any Docker repository on it these credentials may read: an
  image's first path segment picks the repository, reached through Artifactory's API at
  HOST/artifactory/api/docker/REPOSITORY-KEY/v2/. The repository key of the form is the one
  checked; "Repository to check" names an image inside it.
* Subdomain: images are REPOSITORY-KEY.HOST/IMAGE:TAG. The integration serves that one
  subdomain (`registry_host` is REPOSITORY-KEY.HOST), whose /v2/ is the repository's."""

import ipaddress
import re
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from ..base import ImageMissing, register
from .base import password_field, text_field
from .client import RegistryLogin, RegistryProblem
from .vendors import VendorProvider, endpoint_url

API_PATH = "/artifactory/api/docker"
JFROG_CLOUD = re.compile(r"^[a-z0-9-]+\.jfrog\.io$")
REPOSITORY_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DNS_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
PATH, SUBDOMAIN = "path", "subdomain"


class JFrogForm(forms.Form):
    url = text_field(
        "Artifactory URL",
        help_text="https://acme.jfrog.io or https://artifactory.example.com[:port]: the host "
        "only, without /artifactory.",
        max_length=255,
    )
    repository_key = text_field(
        "Docker repository key",
        help_text="e.g. docker-local, as Administration → Repositories lists it.",
        max_length=64,
    )
    access_method = forms.ChoiceField(
        label="Image names",
        choices=[
            (PATH, "Repository path: HOST/REPOSITORY-KEY/IMAGE"),
            (SUBDOMAIN, "Subdomain: REPOSITORY-KEY.HOST/IMAGE"),
        ],
        initial=PATH,
        help_text="The Docker access method your Artifactory uses for this repository.",
    )
    username = text_field("Username", max_length=255)
    api_key = password_field(
        "API key or identity token",
        "Edit Profile → Generate an Identity Token (or your API key). Write-only: stored "
        "encrypted and never shown again.",
    )

    def clean_url(self) -> str:
        value = self.cleaned_data["url"].strip().rstrip("/")
        path = urlsplit(value if "://" in value else f"https://{value}").path
        if path == "/artifactory" or path.startswith("/artifactory/"):
            raise ValidationError(
                f"Enter the host only, without {path}: the site adds "
                f"{API_PATH}/REPOSITORY-KEY itself."
            )
        return endpoint_url(value, public_hosts=JFROG_CLOUD)

    def clean_repository_key(self) -> str:
        value = self.cleaned_data["repository_key"].strip()
        if not REPOSITORY_KEY.match(value):
            raise ValidationError(
                "Enter a repository key: letters, digits, '.', '_' and '-', e.g. docker-local."
            )
        return value

    def clean(self) -> dict:
        data = super().clean()
        url, key = data.get("url"), data.get("repository_key")
        if data.get("access_method") != SUBDOMAIN or not url or not key:
            return data
        host = urlsplit(url).hostname or ""
        try:
            ipaddress.ip_address(host)
            self.add_error(
                "access_method",
                "Subdomain image names need a host name: an IP address has no subdomains. "
                "Use the repository path method.",
            )
        except ValueError:
            if not DNS_LABEL.match(key):
                self.add_error(
                    "repository_key",
                    f"{key} cannot be a subdomain (lower-case letters, digits and '-' only): "
                    "use the repository path method.",
                )
        return data


@register
class JFrogProvider(VendorProvider):
    key = "jfrog"
    display_name = "JFrog Artifactory"
    category = "self-hosted"
    form_class = JFrogForm
    secret_fields = ("api_key",)
    api_fields = {
        "url": "url",
        "repositoryKey": "repository_key",
        "accessMethod": "access_method",
        "username": "username",
        "apiKey": "api_key",
    }
    api_defaults = {"access_method": PATH}
    # A docker config cannot say which repository key or method: the plain shape only.
    docker_config_fields = {}

    def login(self, credentials: dict) -> RegistryLogin:
        url, key = credentials["url"], credentials["repository_key"]
        if credentials.get("access_method") == SUBDOMAIN:
            scheme, host = url.split("://", 1)
            url = f"{scheme}://{key.lower()}.{host}"
        else:
            url = f"{url}{API_PATH}/{key}"
        return RegistryLogin(
            url=url, username=credentials["username"], password=credentials["api_key"]
        )

    @sensitive_variables()
    def find_image(
        self, credentials: dict, repository: str, *, tag: str | None, digest: str | None
    ) -> None:
        if credentials.get("access_method") == SUBDOMAIN:
            return super().find_image(credentials, repository, tag=tag, digest=digest)
        # Path style: HOST/REPOSITORY-KEY/IMAGE, whichever repository of the host it names.
        key, _, image = repository.partition("/")
        if not image:
            raise ImageMissing(
                f"{repository} names no Docker repository: Artifactory images are named "
                "HOST/REPOSITORY-KEY/IMAGE."
            )
        return super().find_image(
            {**credentials, "repository_key": key}, image, tag=tag, digest=digest
        )

    def explain(self, problem: RegistryProblem, credentials: dict, repository: str):
        if problem.kind == "unreachable" and "(HTTP 404)" in problem.message:
            login = self.login(credentials)
            return RegistryProblem(
                "repository",
                f"{login.host} has no Docker repository {credentials['repository_key']} "
                f"(Artifactory answered 404 at {login.url}/v2/).",
            )
        return super().explain(problem, credentials, repository)

    def rejected(self, credentials: dict, host: str) -> str:
        return (
            f"Artifactory at {host} rejected {credentials['username']} or the API key or "
            "identity token (Edit Profile → Generate an Identity Token makes a new one)."
        )

    def denied_hint(self, credentials: dict, repository: str) -> str:
        return (
            f"Give {credentials['username']} Read on the Docker repository "
            f"{credentials['repository_key']} (a permission target that includes it)."
        )
