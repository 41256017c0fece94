"""Azure Container Registry (NAME.azurecr.io): a service principal or the admin user."""

import re

from django import forms
from django.core.exceptions import ValidationError

from ..base import register
from .base import V2Provider, password_field, text_field
from .client import RegistryLogin

ACR_HOST = re.compile(r"^[a-z0-9]{5,50}\.azurecr\.(io|cn|us)$")


class AcrForm(forms.Form):
    server = text_field("Registry server", help_text="NAME.azurecr.io", max_length=100)
    username = text_field("Username", help_text="A service principal or the admin user.")
    password = password_field("Password")

    def clean_server(self) -> str:
        value = self.cleaned_data["server"].lower()
        if not ACR_HOST.match(value):
            raise ValidationError("Enter the registry server, NAME.azurecr.io.")
        return value


@register
class AcrProvider(V2Provider):
    key = "azure"
    display_name = "Azure Container Registry"
    category = "cloud"
    form_class = AcrForm
    secret_fields = ("password",)
    api_fields = {"server": "server", "username": "username", "password": "password"}
    docker_config_fields = {"host": "server", "username": "username", "password": "password"}

    def login(self, credentials: dict) -> RegistryLogin:
        return RegistryLogin(
            url=f"https://{credentials['server']}",
            username=credentials["username"],
            password=credentials["password"],
        )
