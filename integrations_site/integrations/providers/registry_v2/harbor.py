"""Harbor (self-hosted), signed in with a robot account.

A project's robot account is named `robot$PROJECT+NAME` and pulls from that project only; a
system robot (`robot$NAME`) from the projects it was given. Harbor's images are named
HOST/PROJECT/REPOSITORY, and its token realm is /service/token, service `harbor-registry`."""

import re

from django import forms
from django.core.exceptions import ValidationError

from ..base import register
from .base import password_field, text_field
from .client import RegistryLogin
from .vendors import VendorProvider, endpoint_url

_NAME = r"[a-z0-9]+(?:[._-][a-z0-9]+)*"  # Harbor's rule for project and robot names
PROJECT_ROBOT = re.compile(rf"^robot\$(?P<project>{_NAME})\+(?P<name>{_NAME})$")
SYSTEM_ROBOT = re.compile(rf"^robot\$(?P<name>{_NAME})$")


def robot_project(username: str) -> str:
    """The project of a project robot ('' for a system robot)."""
    match = PROJECT_ROBOT.match(username)
    return match["project"] if match else ""


class HarborForm(forms.Form):
    url = text_field("Harbor URL", help_text="https://harbor.example.com[:port]", max_length=255)
    username = text_field(
        "Robot account",
        help_text="Its full name as Harbor shows it: robot$PROJECT+NAME for a project's robot "
        "(or robot$NAME for a system robot).",
        max_length=255,
    )
    secret = password_field(
        "Robot secret",
        "Shown once, when the robot is created or its secret refreshed. Write-only: stored "
        "encrypted and never shown again.",
    )

    def clean_url(self) -> str:
        return endpoint_url(self.cleaned_data["url"])

    def clean_username(self) -> str:
        value = self.cleaned_data["username"].strip()
        if PROJECT_ROBOT.match(value) or SYSTEM_ROBOT.match(value):
            return value
        if value.startswith("robot") and "$" not in value:
            raise ValidationError(
                "The name lost its $: enter robot$PROJECT+NAME (a shell may have read $… as "
                "a variable)."
            )
        raise ValidationError(
            "Enter a robot account as Harbor names it: robot$PROJECT+NAME (e.g. "
            "robot$team+puller), lower-case letters, digits and . _ - in its parts."
        )


@register
class HarborProvider(VendorProvider):
    key = "harbor"
    display_name = "Harbor"
    category = "self-hosted"
    form_class = HarborForm
    secret_fields = ("secret",)
    api_fields = {"url": "url", "username": "username", "secret": "secret"}
    docker_config_fields = {"host": "url", "username": "username", "password": "secret"}

    def login(self, credentials: dict) -> RegistryLogin:
        return RegistryLogin(
            url=credentials["url"], username=credentials["username"], password=credentials["secret"]
        )

    def rejected(self, credentials: dict, host: str) -> str:
        return (
            f"Harbor at {host} rejected robot account {credentials['username']} or its secret "
            "(the secret is shown once: refresh it in Harbor if it was lost), or the robot "
            "is disabled or expired."
        )

    def denied_hint(self, credentials: dict, repository: str) -> str:
        robot = credentials["username"]
        project, owner = robot_project(robot), repository.split("/", 1)[0]
        if "/" not in repository:
            return f"Harbor names repositories PROJECT/REPOSITORY; {repository} names no project."
        if project and project != owner:
            return (
                f"{robot} is a robot account of project {project}: it pulls from {project} only, "
                f"and {repository} is in project {owner}."
            )
        return f"Give {robot} the Pull repository permission on project {owner}."
