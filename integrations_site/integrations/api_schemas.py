"""The integrations API's JSON: request and response schemas, and how options in the
platform SDK's shapes map onto a provider's fields. Validation is the provider's own
(Provider.validate); nothing here goes through the web form."""

import base64
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables
from ninja import Schema
from pydantic import Field, field_validator

from integrations_site.api.common import Strict
from integrations_site.api.errors import ApiError

from . import messages
from .images import validate_repository
from .models import Integration, IntegrationType
from .providers import Provider, get_provider, providers_for


class Options(Strict):
    name: str = Field(description="Provider name as the SDK sends it, e.g. 'AWS'.")
    spec: dict[str, Any] = Field(
        description="Provider fields; see availableIntegrations. Secrets are write-only."
    )


class IntegrationCreate(Strict):
    type: str = Field(description="Integration type, e.g. 'private-registry'.")
    name: str
    options: Options
    metadata: dict[str, Any] = Field(default_factory=dict, description='e.g. {"provider": "aws"}')


class Credentials(Strict):
    options: Options
    type: str | None = None


class IntegrationUpdate(Strict):
    integrationId: UUID
    name: str | None = None
    credentials: Credentials | None = None
    # New credentials take effect at each service's next restart; True restarts them now.
    reloadServices: bool = False


class IntegrationOut(Schema):
    id: UUID
    name: str
    type: str
    org: UUID
    creator: str | None
    createdAt: datetime
    updatedAt: datetime
    metadata: dict[str, Any]
    provider: str
    account: str
    region: str
    keyHint: str
    status: str
    statusReason: str
    checkedAt: datetime | None
    registry: str
    # Non-secret setup values the provider asks the user to use on their side (e.g. an AWS
    # role's externalId and trustPolicy); {} for most providers.
    details: dict[str, Any] = {}


class CheckStepOut(Schema):
    key: str
    label: str
    ok: bool | None
    message: str


class CheckOut(Schema):
    status: str
    statusReason: str
    checkedAt: datetime | None
    steps: list[CheckStepOut]


class CheckIn(Strict):
    repository: str = Field(default="", description="Optional: also check read access to it.")

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        return validate_repository(value.strip()) if value.strip() else ""


class RegistryAuth(Schema):
    username: str
    password: str
    auth: str


class PullCredentialsOut(Schema):
    auths: dict[str, RegistryAuth]
    expiresAt: datetime
    integrationId: UUID


class OptionField(Schema):
    name: str
    type: str
    displayName: str
    required: bool
    secret: bool
    choices: list[str] | None = None


class AvailableProvider(Schema):
    name: str
    provider: str
    displayName: str
    category: str = Field(description="Where it runs: 'cloud', 'hosted' or 'self-hosted'.")
    fields: list[OptionField]


class AvailableType(Schema):
    type: str
    displayName: str
    providers: list[AvailableProvider]


# --- from JSON to provider fields --------------------------------------------------------------


def check_type(integration_type: str | None) -> None:
    accepted = {choice.value for choice in IntegrationType}
    if integration_type is not None and integration_type not in accepted:
        raise ApiError(
            400,
            f"Integration type {integration_type!r} is not supported by this server yet.",
            code="unsupported_type",
            fields={"type": [f"Supported types: {', '.join(sorted(accepted))}."]},
        )


def provider_for(integration_type: str, options: Options, metadata: dict) -> Provider:
    candidates = providers_for(integration_type)
    wanted = metadata.get("provider")
    if wanted is not None:
        # metadata.provider names the vendor ("aws"); within a type that picks one provider.
        provider = next(
            (p for p in candidates if wanted in (p.key, p.metadata()["provider"])), None
        )
        if provider is None:
            raise ApiError(
                400,
                f"Unknown provider {wanted!r}.",
                fields={"metadata.provider": [_choices(candidates)]},
            )
        if options.name.lower() not in (provider.display_name.lower(), provider.key, "_json_key"):
            raise ApiError(
                400,
                f"options.name {options.name!r} does not match provider {wanted!r}.",
                fields={"options.name": [f"Expected {provider.display_name!r}."]},
            )
        return provider
    for provider in candidates:
        if options.name.lower() in (provider.display_name.lower(), provider.key):
            return provider
    raise ApiError(
        400, f"Unknown provider {options.name!r}.", fields={"options.name": [_choices(candidates)]}
    )


def _flat_choices(choices) -> list[str]:
    """The values of a select's choices, groups (<optgroup>) flattened, the blank left out."""
    values: list[str] = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            values += [str(v) for v, _ in label if v]
        elif value:
            values.append(str(value))
    return values


def _choices(providers: list[Provider]) -> str:
    return "Choose one of: " + ", ".join(f"{p.key} ({p.display_name})" for p in providers) + "."


@sensitive_variables()
def _docker_config_form_data(provider: Provider, spec: dict[str, Any]) -> dict[str, Any]:
    """The platform SDK's shape: {"name": "_json_key", "spec": {"password": base64(docker
    config JSON)}}, whose first `auths` entry carries the host and the login."""
    problem = ApiError(
        400,
        messages.DOCKER_CONFIG_INVALID,
        fields={"options.spec.password": ["Not a base64 docker config JSON."]},
    )
    if (
        not provider.docker_config_fields
        or set(spec) != {"password"}
        or not isinstance(spec["password"], str)
    ):
        raise problem
    try:
        config = json.loads(base64.b64decode(spec["password"], validate=True))
        host, entry = next(iter(config["auths"].items()))
    except (ValueError, KeyError, TypeError, AttributeError, StopIteration):
        raise problem from None
    if not isinstance(entry, dict):
        raise problem
    return provider.from_docker_config(host, entry)


@sensitive_variables()
def provider_data(
    provider: Provider, spec: dict[str, Any], options_name: str = ""
) -> dict[str, Any]:
    if options_name == "_json_key":
        return _docker_config_form_data(provider, spec)
    unknown = sorted(set(spec) - set(provider.api_fields))
    if unknown:
        raise ApiError(
            400,
            "The options have unknown fields.",
            fields={f"options.spec.{name}": ["Unknown field."] for name in unknown},
        )
    data: dict[str, Any] = {}
    for api_name, form_name in provider.api_fields.items():
        value = spec.get(api_name, provider.api_defaults.get(form_name))
        if value is not None and not isinstance(value, str | bool):
            raise ApiError(400, fields={f"options.spec.{api_name}": ["Must be a string."]})
        data[form_name] = "" if value is None else value
    return data


def field_errors(error: ValidationError, provider: Provider | None, prefix: str = "") -> dict:
    """A ValidationError keyed by form field names, keyed by the API's names instead."""
    api_names = {name: api for api, name in provider.api_fields.items()} if provider else {}
    fields: dict[str, list[str]] = {}
    for name, messages_ in error.message_dict.items():
        if name in api_names:
            key = f"options.spec.{api_names[name]}"
        else:
            key = name if name != "__all__" else "body"
        fields[f"{prefix}{key}"] = [str(message) for message in messages_]
    return fields


def error_codes(error: ValidationError) -> set[str]:
    return {item.code for items in getattr(error, "error_dict", {}).values() for item in items}


def raise_invalid(fields: dict[str, list[str]], codes: set[str]) -> None:
    """400 with the field errors; 409 when the name is taken."""
    if "name_taken" in codes:
        raise ApiError(409, messages.NAME_TAKEN, code="name_taken", fields=fields)
    raise ApiError(400, "The request has invalid fields.", code="invalid", fields=fields)


def integration_out(integration: Integration) -> dict:
    return {
        "id": integration.pk,
        "name": integration.name,
        "type": integration.type,
        "org": integration.organization_id,
        "creator": integration.created_by.get_username() if integration.created_by else None,
        "createdAt": integration.created_at,
        "updatedAt": integration.updated_at,
        "metadata": integration.metadata,
        "provider": integration.provider,
        "account": integration.account,
        "region": integration.region,
        "keyHint": integration.key_hint,
        "status": integration.status,
        "statusReason": integration.status_reason,
        "checkedAt": integration.checked_at,
        "registry": integration.registry_host,
        "details": public_details(integration.provider, integration.metadata),
    }


def public_details(provider_key: str, metadata: dict) -> dict[str, Any]:
    provider = get_provider(provider_key)
    if provider is None:
        return {}
    return {detail.key: detail.value for detail in provider.public_details(metadata)}


def available_integrations() -> list[dict]:
    """Every type, its providers and their option fields, from the provider classes."""
    available = []
    for integration_type in IntegrationType:
        providers = []
        for provider in providers_for(integration_type.value):
            fields = []
            for api_name, form_name in provider.api_fields.items():
                field = provider.form_class.base_fields[form_name]
                choices = getattr(field, "choices", None)
                fields.append(
                    {
                        "name": api_name,
                        "type": "string",
                        "displayName": str(field.label),
                        "required": field.required,
                        "secret": form_name in provider.secret_fields,
                        "choices": _flat_choices(choices) if choices else None,
                    }
                )
            providers.append(
                {
                    "name": provider.display_name,
                    "provider": provider.key,
                    "displayName": provider.display_name,
                    "category": provider.category,
                    "fields": fields,
                }
            )
        available.append(
            {
                "type": integration_type.value,
                "displayName": integration_type.label,
                "providers": providers,
            }
        )
    return available
