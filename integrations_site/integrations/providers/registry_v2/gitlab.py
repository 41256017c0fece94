"""GitLab Container Registry (registry.gitlab.com, or a self-managed GitLab's registry), signed
in with a deploy token or an access token.

The registry sends clients to the GitLab instance's /jwt/auth for a token (service
`container_registry`), which takes the same login: a deploy token with its own username
(`gitlab+deploy-token-N` unless one was chosen), or a personal, project or group access
token with the GitLab username. Either needs the read_registry scope."""

import re
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError

from ..base import register
from .base import password_field, text_field
from .client import RegistryLogin
from .vendors import VendorProvider, endpoint_url

GITLAB_REGISTRY = "registry.gitlab.com"
PUBLIC_HOSTS = re.compile(r"^registry\.gitlab\.com$")
# GitLab itself is not the registry: its web hosts, mistaken for the registry's.
GITLAB_WEB = re.compile(r"^(www\.)?gitlab\.com$")
DEFAULT_DEPLOY_USER = re.compile(r"^gitlab\+deploy-token-\d+$")
# Deploy-token usernames may be chosen (letters, digits, _ . + -); GitLab usernames are a subset.
USERNAME = re.compile(r"^[A-Za-z0-9_.+-]{1,255}$")
# GitLab's token prefixes that never sign in to the container registry.
OTHER_TOKENS = {
    "glrt-": "runner authentication",
    "glptt-": "pipeline trigger",
    "glft-": "feed",
    "glimt-": "incoming mail",
    "glagent-": "agent for Kubernetes",
    "glsoat-": "SCIM",
    "gloas-": "OAuth application secret",
}


class GitLabForm(forms.Form):
    host = text_field(
        "Registry host",
        help_text="registry.gitlab.com, or your GitLab's registry (e.g. "
        "registry.gitlab.example.com or gitlab.example.com:5050).",
        max_length=255,
    )
    username = text_field(
        "Username",
        help_text="A deploy token's username (gitlab+deploy-token-N), or your GitLab username "
        "for an access token.",
        max_length=255,
    )
    token = password_field(
        "Deploy token or access token",
        "With the read_registry scope. Write-only: stored encrypted and never shown again.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host"].initial = GITLAB_REGISTRY

    def clean_host(self) -> str:
        value = self.cleaned_data["host"].strip()
        host = urlsplit(value if "://" in value else f"https://{value}").hostname or ""
        if GITLAB_WEB.match(host):
            raise ValidationError(
                "That is GitLab itself; its container registry is registry.gitlab.com."
            )
        return endpoint_url(value, public_hosts=PUBLIC_HOSTS)

    def clean_username(self) -> str:
        value = self.cleaned_data["username"].strip()
        if "@" in value:
            raise ValidationError("Enter a username, not an e-mail address.")
        if not USERNAME.match(value):
            raise ValidationError(
                "Enter a deploy token's username (e.g. gitlab+deploy-token-42) or a GitLab "
                "username: letters, digits, '_', '.', '+' and '-'."
            )
        return value

    def clean_token(self) -> str:
        value = self.cleaned_data["token"].strip()
        for prefix, kind in OTHER_TOKENS.items():
            if value.startswith(prefix):
                raise ValidationError(
                    f"This is a GitLab {kind} token: the registry takes a deploy token or an "
                    "access token with the read_registry scope."
                )
        return value

    def clean(self) -> dict:
        data = super().clean()
        username, token = data.get("username", ""), data.get("token", "")
        if token.startswith("glpat-") and DEFAULT_DEPLOY_USER.match(username):
            self.add_error(
                "username",
                f"{username} is a deploy token's username; an access token (glpat-…) signs in "
                "with the GitLab username of its user.",
            )
        return data


@register
class GitLabProvider(VendorProvider):
    key = "gitlab"
    display_name = "GitLab Container Registry"
    category = "hosted"
    form_class = GitLabForm
    secret_fields = ("token",)
    api_fields = {"host": "host", "username": "username", "token": "token"}
    api_defaults = {"host": GITLAB_REGISTRY}
    docker_config_fields = {"host": "host", "username": "username", "password": "token"}

    def login(self, credentials: dict) -> RegistryLogin:
        return RegistryLogin(
            url=credentials["host"], username=credentials["username"], password=credentials["token"]
        )

    def rejected(self, credentials: dict, host: str) -> str:
        return (
            f"{host} (GitLab) rejected {credentials['username']} or its token: a deploy token "
            "signs in with its own username, an access token with its user's; either needs "
            "the read_registry scope and must not be expired or revoked."
        )

    def denied_hint(self, credentials: dict, repository: str) -> str:
        return (
            f"A deploy token reads only its own project's or group's images: is {repository} "
            "in it? An access token needs read_registry and at least Reporter on the project."
        )
