"""What every provider shares, and nothing provider-specific: the Provider protocol, the
registry of providers, the results of checks and pulls, and the errors callers catch.

Callers (views, the API, deployments, storage) import from here only, never a provider
module, so a new provider is one new module in this package plus its tests: it subclasses
``Provider`` and is decorated with ``@register``; ``load_providers()`` imports every module
of the package with the first lookup."""

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

# One bound for a whole check or image lookup, whoever the provider is.
CHECK_DEADLINE_SECONDS = 10.0


class IntegrationType(models.TextChoices):
    PRIVATE_REGISTRY = "private-registry", "Container Registry"
    S3 = "s3", "Storage"


# --- errors -----------------------------------------------------------------------------------


class RegistryUnreachable(Exception):
    """No answer from the provider (refused, DNS, TLS, timeout); the message names it."""


class RegistryRefused(Exception):
    """The provider refused the integration's credentials; the message says how."""


class ImageMissing(Exception):
    """The image (or its repository) is not in the registry."""


# --- results ----------------------------------------------------------------------------------


@dataclass
class Step:
    key: str
    label: str
    ok: bool | None = None  # None: not run
    message: str = ""


@dataclass
class CheckResult:
    steps: list[Step]
    unreachable: bool = False

    @property
    def ok(self) -> bool:
        return not self.unreachable and all(step.ok for step in self.steps if step.ok is not None)

    @property
    def failure(self) -> str:
        """The first failure's message, or '' when all passed."""
        for step in self.steps:
            if step.ok is False:
                return step.message
        return ""


@dataclass(frozen=True)
class PullCredentials:
    username: str
    password: str = field(repr=False)
    registry: str
    expires_at: datetime


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.end - time.monotonic()


@dataclass(frozen=True)
class Display:
    """Non-secret values shown in lists and the admin."""

    account: str = ""
    region: str = ""
    key_hint: str = ""
    registry: str = ""  # the registry host, for registry providers
    # Non-secret values kept in the integration's metadata (e.g. a site-generated External ID),
    # so lists and public_details() read them without opening the credentials.
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PublicDetail:
    """A non-secret value the user needs on the provider's side to finish setting up (e.g. a
    role's trust policy): shown in the create dialog and returned by the API as `details`."""

    key: str  # the API's name, e.g. "externalId"
    label: str
    value: str | dict  # a dict is a JSON document
    help: str = ""

    @property
    def is_document(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def text(self) -> str:
        return json.dumps(self.value, indent=2) if self.is_document else self.value


# --- the protocol -----------------------------------------------------------------------------

# Where a provider's service runs: a cloud platform's own service, a hosted (SaaS) registry, or
# an instance the customer runs. The create dialog groups providers by it, in this order.
CATEGORIES = ("cloud", "hosted", "self-hosted")


class Provider:
    key: ClassVar[str]
    display_name: ClassVar[str]
    integration_type: ClassVar[str]
    form_class: ClassVar[type[forms.Form]]
    # One of CATEGORIES. Every provider of the site sets its own (a test checks it); the
    # default only keeps a provider defined elsewhere (e.g. in a test) in the dialog.
    category: ClassVar[str] = "self-hosted"
    # Who answers checks, in messages such as "Could not verify: AWS did not answer."
    service_name: ClassVar[str] = "the registry"
    # Placeholder for the Integration Name field of the create form.
    name_placeholder: ClassVar[str] = ""
    # Whether the list shows the registry host beside the provider badge.
    shows_registry_host: ClassVar[bool] = True
    # Field names whose values are never rendered back, logged or returned by the API.
    secret_fields: ClassVar[tuple[str, ...]] = ()
    # API/SDK option names (options.spec keys) mapped to form field names.
    api_fields: ClassVar[dict[str, str]] = {}
    # Values for options the API caller left out (e.g. TLS verification stays on).
    api_defaults: ClassVar[dict[str, object]] = {}
    # For the platform SDK's {"name": "_json_key", "spec": {"password": base64(docker config)}}
    # shape: docker-config entry keys mapped to form fields ("host" is the auths key).
    docker_config_fields: ClassVar[dict[str, str]] = {}

    def validate(self, data: dict, files: dict | None = None) -> dict:
        """The provider's fields, cleaned; a ValidationError maps field names to messages."""
        form = self.form_class(data=data, files=files)
        if not form.is_valid():
            raise ValidationError(
                {name: list(messages) for name, messages in form.errors.as_data().items()}
            )
        return form.cleaned_data

    def credentials(self, cleaned_data: dict) -> dict:
        """What gets encrypted: every credential field."""
        return {name: cleaned_data[name] for name in self.form_class.base_fields}

    def display(self, cleaned_data: dict) -> Display:
        raise NotImplementedError

    def metadata(self) -> dict:
        return {"provider": self.key}

    def check(self, credentials: dict, *, repository: str = "") -> CheckResult:
        """Verify the credentials against the provider, step by step. Changes nothing there."""
        raise NotImplementedError

    def mint_pull_credentials(self, credentials: dict) -> PullCredentials:
        raise NotImplementedError

    def registry_host(self, integration) -> str:
        """The registry host images of this integration name, e.g. in `host/repo:tag`."""
        return integration.registry

    def find_image(
        self, credentials: dict, repository: str, *, tag: str | None, digest: str | None
    ) -> None:
        """Raise ImageMissing unless the image exists; read-only."""
        raise NotImplementedError

    def unreachable_reason(self, error: RegistryUnreachable) -> str:
        """What a rollout shows when the provider did not answer."""
        return str(error)

    def public_details(self, metadata: dict) -> list[PublicDetail]:
        """Non-secret values the user needs on the provider's side, from a stored
        integration's metadata (the API returns them as `details`). A provider's form may
        define a `public_details` property too: the create dialog shows it."""
        return []

    def keep_on_replace(self, previous: dict, replacement: dict) -> dict:
        """The replacement credentials, plus whatever of the previous ones must survive a
        replacement (e.g. a value the site generated and the user configured elsewhere)."""
        return replacement

    def forget(self, integration) -> None:
        """Drop whatever the provider cached for the integration (e.g. sessions). Services
        call it before the integration is deleted and when its credentials are replaced."""

    def boto3_credentials(self, credentials: dict) -> dict[str, str]:
        """For S3-style storage: keyword arguments of a boto3 session
        (aws_access_key_id, aws_secret_access_key, aws_session_token). Raises RegistryRefused
        or RegistryUnreachable when they cannot be had now."""
        raise NotImplementedError(f"{self.display_name} has no boto3 credentials.")

    def from_docker_config(self, host: str, entry: dict) -> dict:
        """Form data from one `auths` entry of a docker config."""
        if not self.docker_config_fields:
            raise ValueError(f"{self.display_name} takes no docker config.")
        return {
            name: host if key == "host" else entry.get(key, "")
            for key, name in self.docker_config_fields.items()
        }

    @classmethod
    def secret_api_fields(cls) -> set[str]:
        return {api for api, name in cls.api_fields.items() if name in cls.secret_fields}


# --- the registry of providers ----------------------------------------------------------------

_REGISTRY: dict[str, Provider] = {}
# The provider modules load with the first lookup, not at start-up: they bring boto3's and the
# registry clients' imports, which a process that never touches a provider (a management
# command, runserver before its first request) does not pay for.
_LOADED = False
_LOADING = threading.RLock()


def _registry() -> dict[str, Provider]:
    global _LOADED
    if not _LOADED:
        with _LOADING:
            if not _LOADED:
                from . import load_providers

                load_providers()
                _LOADED = True
    return _REGISTRY


def register(cls: type[Provider]) -> type[Provider]:
    _REGISTRY[cls.key] = cls()
    return cls


def unregister(key: str) -> None:
    """For tests that register a provider of their own."""
    _REGISTRY.pop(key, None)


def get_provider(key: str) -> Provider | None:
    return _registry().get(key)


def all_providers() -> list[Provider]:
    return list(_registry().values())


def providers_for(integration_type: str) -> list[Provider]:
    return [p for p in _registry().values() if p.integration_type == integration_type]


def provider_display_name(key: str) -> str:
    provider = _registry().get(key)
    return provider.display_name if provider else key
