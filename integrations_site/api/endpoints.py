"""REST API v1 (django-ninja): integrations of an organization, scoped by the caller's token.

Another organization's objects answer 404; writes need the admin role (403). Secrets go in
and never come out: responses carry only the non-secret display fields."""

import base64
import json
import logging
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.debug import sensitive_variables
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import Field

from integrations_site.deployments.services import services_restart_for_registry
from integrations_site.integrations import services
from integrations_site.integrations.aws import AwsUnreachable, RegistryRefused
from integrations_site.integrations.forms import IntegrationForm
from integrations_site.integrations.images import parse_image, registry_integration_for
from integrations_site.integrations.models import Integration, IntegrationType
from integrations_site.integrations.providers import Provider, get_provider, providers_for
from integrations_site.integrations.pull import pull_credentials
from integrations_site.organizations.models import Membership

from .common import ERRORS, ErrorOut, Strict, membership_for
from .errors import ApiError, error_response
from .models import ApiToken

logger = logging.getLogger(__name__)


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = ApiToken.objects.active().matching(token).select_related("user").first()
        if api_token is None:
            return None
        api_token.touch()
        request.user = api_token.user
        return api_token


api = NinjaAPI(
    title="Integrations API",
    version="1",
    description="Container registry integrations of an organization. "
    "Authenticate with 'Authorization: Bearer <token>' (API tokens page or createapitoken).",
    urls_namespace="api-v1",
    auth=BearerToken(),
    docs_url=None,  # the interactive docs load assets from a CDN, which the CSP forbids
    openapi_url="/openapi.json",
)


# --- errors -----------------------------------------------------------------------------------


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(exc)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(ApiError(401, "Missing, invalid or revoked API token."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        return error_response(ApiError(400, "The body is not valid JSON.", code="invalid_json"))
    return error_response(ApiError(exc.status_code, str(exc)))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(ApiError(404, str(exc) or None))


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        # loc is like ("body", "payload", "options", "spec"); drop the framework's part.
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        message = "Unknown field." if error.get("type") == "extra_forbidden" else error["msg"]
        fields.setdefault(".".join(location) or "body", []).append(message)
    return error_response(ApiError(400, "The request has invalid fields.", fields=fields))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # No exception text reaches the client; the log record goes through the secret mask.
    logger.exception("Unhandled API error on %s %s", request.method, request.path)
    return error_response(ApiError(500))


# --- schemas ----------------------------------------------------------------------------------


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
    repository: str = ""


class RegistryAuth(Schema):
    username: str
    password: str
    auth: str


class PullCredentialsOut(Schema):
    auths: dict[str, RegistryAuth]
    expiresAt: datetime
    integrationId: UUID


class OrganizationOut(Schema):
    id: UUID
    name: str
    role: str


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
    fields: list[OptionField]


class AvailableType(Schema):
    type: str
    displayName: str
    providers: list[AvailableProvider]


# --- helpers ----------------------------------------------------------------------------------


def _integration(membership: Membership, integration_id: UUID) -> Integration:
    integration = (
        Integration.objects.for_organization(membership.organization)
        .select_related("created_by")
        .defer("credentials")
        .filter(pk=integration_id)
        .first()
    )
    if integration is None:
        raise ApiError(404, "Integration not found. It may have been deleted.")
    return integration


def _out(integration: Integration) -> dict:
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
        "registry": _registry_host(integration),
    }


def _registry_host(integration: Integration) -> str:
    provider = get_provider(integration.provider)
    return provider.registry_host(integration) if provider else ""


def _check_type(integration_type: str | None) -> None:
    accepted = {choice.value for choice in IntegrationType}
    if integration_type is not None and integration_type not in accepted:
        raise ApiError(
            400,
            f"Integration type {integration_type!r} is not supported by this server yet.",
            code="unsupported_type",
            fields={"type": [f"Supported types: {', '.join(sorted(accepted))}."]},
        )


def _provider(integration_type: str, options: Options, metadata: dict) -> Provider:
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


def _choices(providers: list[Provider]) -> str:
    return "Choose one of: " + ", ".join(f"{p.key} ({p.display_name})" for p in providers) + "."


@sensitive_variables()
@sensitive_variables()
def _docker_config_form_data(provider: Provider, spec: dict[str, Any]) -> dict[str, Any]:
    """The platform SDK's shape: {"name": "_json_key", "spec": {"password": base64(docker
    config JSON)}}, whose first `auths` entry carries the host and the login."""
    from_config = getattr(provider, "from_docker_config", None)
    problem = ApiError(
        400,
        "options.spec.password must be a base64 docker config JSON with one 'auths' entry.",
        fields={"options.spec.password": ["Not a base64 docker config JSON."]},
    )
    if from_config is None or set(spec) != {"password"} or not isinstance(spec["password"], str):
        raise problem
    try:
        config = json.loads(base64.b64decode(spec["password"], validate=True))
        host, entry = next(iter(config["auths"].items()))
    except (ValueError, KeyError, TypeError, AttributeError, StopIteration):
        raise problem from None
    if not isinstance(entry, dict):
        raise problem
    return from_config(host, entry)


@sensitive_variables()
def _form_data(provider: Provider, spec: dict[str, Any], options_name: str = "") -> dict[str, Any]:
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


def _field_errors(form_errors: dict, provider: Provider) -> dict[str, list[str]]:
    api_names = {form_name: api for api, form_name in provider.api_fields.items()}
    fields: dict[str, list[str]] = {}
    for name, messages in form_errors.items():
        if name in api_names:
            key = f"options.spec.{api_names[name]}"
        elif name == "provider":
            key = "metadata.provider"
        else:
            key = name if name != "__all__" else "body"
        fields[key] = [str(message) for message in messages]
    return fields


def _raise_invalid(fields: dict[str, list[str]], codes: set[str]) -> None:
    if "name_taken" in codes:
        raise ApiError(
            409, "An integration with this name already exists.", code="name_taken", fields=fields
        )
    raise ApiError(400, "The request has invalid fields.", code="invalid", fields=fields)


def _codes(errors_as_data: dict) -> set[str]:
    return {error.code for errors in errors_as_data.values() for error in errors if error.code}


# --- endpoints --------------------------------------------------------------------------------


@api.get("/orgs", response=list[OrganizationOut], tags=["organizations"])
def organizations_list(request: HttpRequest):
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("organization")
        .order_by("organization__name")
    )
    return [
        {"id": m.organization_id, "name": m.organization.name, "role": m.role} for m in memberships
    ]


@api.get("/orgs/{org_id}", response={200: OrganizationOut, 404: ErrorOut}, tags=["organizations"])
def organization_get(request: HttpRequest, org_id: UUID):
    membership = membership_for(request, org_id)
    return {"id": org_id, "name": membership.organization.name, "role": membership.role}


@api.get(
    "/orgs/{org_id}/integrations",
    response={200: list[IntegrationOut], **ERRORS},
    tags=["integrations"],
)
def integrations_list(request: HttpRequest, org_id: UUID):
    membership = membership_for(request, org_id)
    integrations = Integration.objects.for_organization(membership.organization).for_list()
    return [_out(integration) for integration in integrations]


@api.post(
    "/orgs/{org_id}/integrations",
    response={201: IntegrationOut, **ERRORS},
    tags=["integrations"],
)
@sensitive_variables()
def integrations_create(request: HttpRequest, org_id: UUID, payload: IntegrationCreate):
    membership = membership_for(request, org_id, admin=True)
    _check_type(payload.type)
    provider = _provider(payload.type, payload.options, payload.metadata)
    data = {
        "name": payload.name,
        "provider": provider.key,
        **_form_data(provider, payload.options.spec, payload.options.name),
    }
    form = IntegrationForm(
        data, organization=membership.organization, integration_type=payload.type
    )
    if not form.is_valid():
        errors = {**form.errors, **form.credentials_form.errors}
        codes = _codes(form.errors.as_data()) | _codes(form.credentials_form.errors.as_data())
        _raise_invalid(_field_errors(errors, provider), codes)
    # The status is recorded from a check, as in the UI; a failing check does not block the
    # API (the SDK is how users fix credentials), it shows as status "failed".
    check = provider.check(form.credentials_form.cleaned_data)
    try:
        integration = services.integration_create(
            organization=membership.organization,
            created_by=request.user,
            name=form.cleaned_data["name"],
            provider=provider,
            credentials=form.credentials_form.cleaned_data,
            check=check,
        )
    except ValidationError as error:
        _raise_invalid(_field_errors(error.message_dict, provider), {"name_taken"})
    return Status(201, _out(integration))


@api.get(
    "/orgs/{org_id}/integrations/{integration_id}",
    response={200: IntegrationOut, **ERRORS},
    tags=["integrations"],
)
def integrations_get(request: HttpRequest, org_id: UUID, integration_id: UUID):
    return _out(_integration(membership_for(request, org_id), integration_id))


@api.patch(
    "/orgs/{org_id}/integrations",
    response={200: IntegrationOut, **ERRORS},
    tags=["integrations"],
    summary="Rename and/or replace credentials (the only way to edit an integration)",
)
@sensitive_variables()
def integrations_update(request: HttpRequest, org_id: UUID, payload: IntegrationUpdate):
    membership = membership_for(request, org_id, admin=True)
    integration = _integration(membership, payload.integrationId)
    if payload.name is None and payload.credentials is None:
        raise ApiError(400, "Nothing to change: send 'name' and/or 'credentials'.")
    name = None
    if payload.name is not None:
        name_field = IntegrationForm.base_fields["name"]
        try:
            name = name_field.clean(payload.name)
        except ValidationError as error:
            raise ApiError(400, fields={"name": list(error.messages)}) from None
        taken = (
            Integration.objects.for_organization(membership.organization)
            .filter(name__iexact=name)
            .exclude(pk=integration.pk)
        )
        if taken.exists():
            _raise_invalid(
                {"name": ["An integration with this name already exists."]}, {"name_taken"}
            )
    provider = credentials = None
    if payload.credentials is not None:
        credentials_type = payload.credentials.type or integration.type
        _check_type(credentials_type)
        if credentials_type != integration.type:
            raise ApiError(
                400,
                "Credentials must be of the integration's type.",
                fields={"credentials.type": [f"Expected {integration.type!r}."]},
            )
        provider = _provider(
            credentials_type, payload.credentials.options, {"provider": integration.provider}
        )
        credentials_form = provider.form_class(
            _form_data(provider, payload.credentials.options.spec, payload.credentials.options.name)
        )
        if not credentials_form.is_valid():
            fields = _field_errors(credentials_form.errors, provider)
            _raise_invalid({f"credentials.{k}": v for k, v in fields.items()}, set())
        credentials = credentials_form.cleaned_data
    check = provider.check(credentials) if provider and credentials else None
    try:
        integration = services.integration_update(
            integration=integration,
            name=name,
            provider=provider,
            credentials=credentials,
            check=check,
        )
    except ValidationError as error:
        _raise_invalid(
            _field_errors(error.message_dict, provider or get_provider("aws")), {"name_taken"}
        )
    if payload.reloadServices:
        registry = _registry_host(integration)
        if registry:
            services_restart_for_registry(
                organization=membership.organization, registry=registry, user=request.user
            )
    return _out(integration)


@api.delete(
    "/orgs/{org_id}/integrations/{integration_id}",
    response={204: None, **ERRORS},
    tags=["integrations"],
)
def integrations_delete(request: HttpRequest, org_id: UUID, integration_id: UUID):
    membership = membership_for(request, org_id, admin=True)
    try:
        services.integration_delete(integration=_integration(membership, integration_id))
    except services.IntegrationInUse as error:
        raise ApiError(409, error.message, code="in_use") from None
    return Status(204, None)


@api.post(
    "/orgs/{org_id}/integrations/{integration_id}/check",
    response={200: CheckOut, **ERRORS},
    tags=["integrations"],
    summary="Check the stored credentials now and record the status",
)
def integrations_check(
    request: HttpRequest, org_id: UUID, integration_id: UUID, payload: CheckIn | None = None
):
    membership = membership_for(request, org_id, admin=True)
    integration = _integration(membership, integration_id)
    result = services.integration_check(
        integration=integration, repository=payload.repository if payload else ""
    )
    return {
        "status": integration.status,
        "statusReason": integration.status_reason,
        "checkedAt": integration.checked_at,
        "steps": [vars(step) for step in result.steps],
    }


def _runtimemembership_for(request: HttpRequest, org_id: UUID) -> Membership:
    """Pull credentials are for admins, or for tokens marked for runtime use."""
    membership = membership_for(request, org_id)
    if not (membership.is_admin or request.auth.for_runtime):
        raise ApiError(403, "Pull credentials need an admin or a runtime token.")
    return membership


@sensitive_variables()
def _pull_response(integration: Integration) -> HttpResponse:
    try:
        pull = pull_credentials(integration)
    except AwsUnreachable as error:
        raise ApiError(503, str(error), code="registry_unreachable") from None
    except RegistryRefused as error:
        raise ApiError(
            502,
            f"Integration '{integration.name}' credentials rejected: {error}.",
            code="credentials_rejected",
        ) from None
    auth = base64.b64encode(f"{pull.username}:{pull.password}".encode()).decode()
    body = {
        "auths": {
            pull.registry: {"username": pull.username, "password": pull.password, "auth": auth}
        },
        "expiresAt": pull.expires_at.isoformat(),
        "integrationId": str(integration.pk),
    }
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    return response


@api.get(
    "/orgs/{org_id}/integrations/{integration_id}/pull-credentials",
    response={200: PullCredentialsOut, **ERRORS},
    tags=["pull credentials"],
    summary="Docker config auth for the integration's registry (admins and runtime tokens)",
)
def integrations_pull_credentials(request: HttpRequest, org_id: UUID, integration_id: UUID):
    membership = _runtimemembership_for(request, org_id)
    return _pull_response(_integration(membership, integration_id))


@api.get(
    "/orgs/{org_id}/pull-credentials",
    response={200: PullCredentialsOut, **ERRORS},
    tags=["pull credentials"],
    summary="Pull credentials for an image, from the integration serving its registry host",
)
def pull_credentials_for_image(request: HttpRequest, org_id: UUID, image: str):
    membership = _runtimemembership_for(request, org_id)
    try:
        reference = parse_image(image)
    except ValueError as error:
        raise ApiError(400, str(error), fields={"image": [str(error)]}) from None
    integration = registry_integration_for(membership.organization, reference.registry)
    if integration is None:
        raise ApiError(404, f"No registry integration for {reference.registry}.")
    return _pull_response(integration)


@api.get(
    "/orgs/{org_id}/availableIntegrations",
    response={200: list[AvailableType], **ERRORS},
    tags=["integrations"],
)
def integrations_available(request: HttpRequest, org_id: UUID):
    membership_for(request, org_id)
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
                        "choices": [str(v) for v, _ in choices if v] if choices else None,
                    }
                )
            providers.append(
                {
                    "name": provider.display_name,
                    "provider": provider.key,
                    "displayName": provider.display_name,
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


# Services and pipelines live in their own app; their routes join this API.
from integrations_site.deployments.api import router as deployments_router  # noqa: E402

api.add_router("/", deployments_router)

# Storage drivers live in their own app; their routes join this API.
from integrations_site.storage.api import router as storage_router  # noqa: E402

api.add_router("/", storage_router)
