"""Docker Hub (registry-1.docker.io), signed in with a username and a password or token."""

from django import forms

from ..base import register
from .base import V2Provider, password_field, text_field
from .client import RegistryLogin


class DockerHubForm(forms.Form):
    username = text_field("Username", max_length=100)
    password = password_field("Password or access token")
    email = forms.EmailField(label="Email", required=False, help_text="Optional.")


@register
class DockerHubProvider(V2Provider):
    key = "dockerhub"
    display_name = "Docker Hub"
    category = "hosted"
    form_class = DockerHubForm
    secret_fields = ("password",)
    api_fields = {"username": "username", "password": "password", "email": "email"}
    docker_config_fields = {"username": "username", "password": "password", "email": "email"}

    def login(self, credentials: dict) -> RegistryLogin:
        return RegistryLogin(
            url="https://registry-1.docker.io",
            username=credentials["username"],
            password=credentials["password"],
        )

    def host(self, credentials: dict) -> str:
        return "docker.io"  # how image references name Docker Hub (python:3.12 included)
