"""Quay (quay.io, or a self-hosted Quay / Red Hat Quay), signed in with a robot account.

A robot account is named `NAMESPACE+NAME` (the organization or user it belongs to, then its
own name) and signs in with its token. Quay's token realm is /v2/auth, service `quay.io` on
quay.io (a self-hosted Quay names its own host)."""

import re

from django import forms
from django.core.exceptions import ValidationError

from ..base import register
from .base import password_field, text_field
from .client import RegistryLogin
from .vendors import VendorProvider, endpoint_url

QUAY_IO = "quay.io"
PUBLIC_HOSTS = re.compile(r"^quay\.io$")
# Quay's rules: a namespace of lower-case letters, digits and . _ - between them; a robot's
# own name starts with a letter, then lower-case letters, digits and _.
ROBOT = re.compile(
    r"^(?P<namespace>[a-z0-9]+(?:[._-][a-z0-9]+)*)\+(?P<name>[a-z][a-z0-9_]{1,254})$"
)


class QuayForm(forms.Form):
    host = text_field(
        "Registry host",
        help_text="quay.io, or your Quay's host (https://quay.example.com[:port]).",
        max_length=255,
    )
    username = text_field(
        "Robot account",
        help_text="Its full name, ORGANIZATION+NAME (e.g. acme+deployer), as Quay shows it "
        "under the organization's Robot Accounts.",
        max_length=512,
    )
    token = password_field(
        "Robot token",
        "Robot Accounts → the robot → Docker Login shows it. Write-only: stored encrypted and "
        "never shown again.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["host"].initial = QUAY_IO

    def clean_host(self) -> str:
        return endpoint_url(self.cleaned_data["host"], public_hosts=PUBLIC_HOSTS)

    def clean_username(self) -> str:
        value = self.cleaned_data["username"].strip()
        if not ROBOT.match(value):
            raise ValidationError(
                "Enter the robot account's full name, ORGANIZATION+NAME (e.g. acme+deployer): "
                "lower-case letters, digits and _ after the +."
            )
        return value

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


@register
class QuayProvider(VendorProvider):
    key = "quay"
    display_name = "Quay"
    category = "hosted"
    form_class = QuayForm
    secret_fields = ("token",)
    api_fields = {"host": "host", "username": "username", "token": "token"}
    api_defaults = {"host": QUAY_IO}
    docker_config_fields = {"host": "host", "username": "username", "password": "token"}

    def login(self, credentials: dict) -> RegistryLogin:
        return RegistryLogin(
            url=credentials["host"], username=credentials["username"], password=credentials["token"]
        )

    def rejected(self, credentials: dict, host: str) -> str:
        robot = credentials["username"]
        return (
            f"{host} rejected robot account {robot} or its token (Quay: Robot Accounts → "
            f"{robot} → Docker Login shows both)."
        )

    def denied_hint(self, credentials: dict, repository: str) -> str:
        robot = credentials["username"]
        namespace = robot.split("+", 1)[0]
        owner = repository.split("/", 1)[0]
        if owner != namespace:
            return (
                f"{robot} is a robot account of {namespace}: it can be given permissions on "
                f"{namespace}'s repositories only, and {repository} is in {owner}."
            )
        return (
            f"Give {robot} Read permission on {repository} (the repository's Settings → "
            "User and Robot Permissions)."
        )
