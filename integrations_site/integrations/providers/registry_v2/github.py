"""GitHub Container Registry (ghcr.io), signed in with a personal access token."""

from django import forms

from ..base import register
from .base import V2Provider, password_field, text_field
from .client import RegistryLogin


class GhcrForm(forms.Form):
    username = text_field("Username", max_length=100)
    token = password_field(
        "Personal access token",
        "A token with read:packages. Write-only: stored encrypted and never shown again.",
    )


@register
class GhcrProvider(V2Provider):
    key = "github"
    display_name = "GitHub Container Registry"
    category = "hosted"
    form_class = GhcrForm
    secret_fields = ("token",)
    api_fields = {"username": "username", "token": "token"}
    docker_config_fields = {"username": "username", "password": "token"}

    def login(self, credentials: dict) -> RegistryLogin:
        return RegistryLogin(
            url="https://ghcr.io", username=credentials["username"], password=credentials["token"]
        )
