"""REST API: integrations of an organization, and registry pull credentials.

Mounted by the API root (integrations_site/api_root.py). Another organization's objects
answer 404; writes need the admin role (403). Secrets go in and never come out: responses
carry only the non-secret display fields, except pull credentials, which are minted for
admins and runtime tokens."""

import base64
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.debug import sensitive_variables
from ninja import Query, Router, Status

from integrations_site import audit
from integrations_site.api.auth import RuntimeBearerToken
from integrations_site.api.common import ERRORS, membership_for
from integrations_site.api.errors import ApiError
from integrations_site.api.paging import (
    PAGED,
    CompiledPages,
    PageQuery,
    json_time,
    keyset_page,
    page_response,
    shaped_response,
)
from integrations_site.compiled import CompiledValues
from integrations_site.organizations.models import Membership
from integrations_site.organizations.scoping import get_object_in_org_or_404, not_found_message

from . import messages, services
from .api_schemas import (
    AvailableType,
    CheckIn,
    CheckOut,
    IntegrationCreate,
    IntegrationOut,
    IntegrationUpdate,
    PullCredentialsOut,
    available_integrations,
    check_type,
    error_codes,
    field_errors,
    integration_out,
    provider_data,
    provider_for,
    public_details,
    raise_invalid,
)
from .images import parse_image
from .models import Integration
from .providers import PullCredentials, RegistryRefused, RegistryUnreachable
from .pull import (
    PULL_READ,
    UNREAD,
    cached_pull_credentials,
    pull_cache_key,
    pull_credentials,
)

router = Router(tags=["integrations"])


def _integration(membership: Membership, integration_id: UUID) -> Integration:
    return get_object_in_org_or_404(
        Integration.objects.select_related("created_by").defer("credentials"),
        membership.organization,
        integration_id,
    )


def _rows_of(organization_id: UUID):
    return Integration.objects.filter(organization_id=organization_id).list_rows()


# The API's hot reads, compiled once per connection (integrations_site/compiled.py).
_LIST_PAGES = CompiledPages(_rows_of, scope=Integration._meta.get_field("organization"))
_ROW = CompiledValues(
    lambda organization, pk: _rows_of(organization).filter(pk=pk).order_by()[:1],
    organization=Integration._meta.get_field("organization"),
    pk=Integration._meta.pk,
)


def _integration_row(row: dict) -> dict:
    """IntegrationOut from a `list_rows()` row (the same fields as integration_out), every
    value already plain JSON."""
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "type": row["type"],
        "org": str(row["organization_id"]),
        "creator": row["creator"],
        "createdAt": json_time(row["created_at"]),
        "updatedAt": json_time(row["updated_at"]),
        "metadata": row["metadata"],
        "provider": row["provider"],
        "account": row["account"],
        "region": row["region"],
        "keyHint": row["key_hint"],
        "status": row["status"],
        "statusReason": row["status_reason"],
        "checkedAt": json_time(row["checked_at"]),
        "registry": row["registry"],
        "details": public_details(row["provider"], row["metadata"]),
    }


@router.get(
    "/orgs/{org_id}/integrations",
    response={200: list[IntegrationOut], **ERRORS},
    openapi_extra=PAGED,
    summary="One page of integrations, newest first (next page in the Link header)",
)
def integrations_list(request: HttpRequest, org_id: UUID, paging: Query[PageQuery]):
    membership = membership_for(request, org_id)
    rows = Integration.objects.for_organization(membership.organization).list_rows()
    page = keyset_page(request, rows, paging, compiled=(_LIST_PAGES, membership.organization_id))
    return page_response(request, page, [_integration_row(row) for row in page.rows])


@router.post("/orgs/{org_id}/integrations", response={201: IntegrationOut, **ERRORS})
@sensitive_variables()
def integrations_create(request: HttpRequest, org_id: UUID, payload: IntegrationCreate):
    membership = membership_for(request, org_id, admin=True)
    check_type(payload.type)
    provider = provider_for(payload.type, payload.options, payload.metadata)
    data = provider_data(provider, payload.options.spec, payload.options.name)
    # Validate the name and the provider's fields together, so every error shows at once.
    errors: dict[str, list[str]] = {}
    codes: set[str] = set()
    try:
        name = services.integration_name_clean(
            organization=membership.organization, name=payload.name
        )
    except ValidationError as error:
        errors |= field_errors(error, provider)
        codes |= error_codes(error)
    try:
        credentials = provider.validate(data)
    except ValidationError as error:
        errors |= field_errors(error, provider)
        codes |= error_codes(error)
    if errors:
        raise_invalid(errors, codes)
    # A failing check does not block the API (the SDK is how users fix credentials): the
    # integration is created with status "failed".
    try:
        outcome = services.integration_create_checked(
            organization=membership.organization,
            created_by=request.user,
            name=name,
            provider=provider,
            credentials=credentials,
            create_on_failure=True,
        )
    except ValidationError as error:
        raise_invalid(field_errors(error, provider), error_codes(error))
    return Status(201, integration_out(outcome.integration))


@router.get(
    "/orgs/{org_id}/integrations/{integration_id}", response={200: IntegrationOut, **ERRORS}
)
def integrations_get(request: HttpRequest, org_id: UUID, integration_id: UUID):
    # The list's row (one query of plain values, no model instances), answered as is.
    membership = membership_for(request, org_id)
    found = _ROW(organization=membership.organization_id, pk=integration_id)
    if not found:
        raise Http404(not_found_message(Integration))
    return shaped_response(_integration_row(found[0]))


@router.patch(
    "/orgs/{org_id}/integrations",
    response={200: IntegrationOut, **ERRORS},
    summary="Rename and/or replace credentials (the only way to edit an integration)",
)
@sensitive_variables()
def integrations_update(
    request: HttpRequest,
    org_id: UUID,
    payload: IntegrationUpdate,
    # The platform's SDK sends the flag as ?reloadServices=true, not in the body.
    reloadServices: bool = Query(False, description="Same as the body's reloadServices."),
):
    membership = membership_for(request, org_id, admin=True)
    integration = _integration(membership, payload.integrationId)
    if payload.name is None and payload.credentials is None:
        raise ApiError(400, messages.NOTHING_TO_CHANGE)
    provider = credentials = None
    if payload.credentials is not None:
        credentials_type = payload.credentials.type or integration.type
        check_type(credentials_type)
        if credentials_type != integration.type:
            raise ApiError(
                400,
                messages.CREDENTIALS_TYPE_MISMATCH,
                fields={"credentials.type": [f"Expected {integration.type!r}."]},
            )
        options = payload.credentials.options
        provider = provider_for(credentials_type, options, {"provider": integration.provider})
        try:
            credentials = provider.validate(provider_data(provider, options.spec, options.name))
        except ValidationError as error:
            raise_invalid(field_errors(error, provider, prefix="credentials."), error_codes(error))
    try:
        integration = services.integration_update_checked(
            integration=integration,
            name=payload.name,
            provider=provider,
            credentials=credentials,
            reload_services=payload.reloadServices or reloadServices,
            user=request.user,
        )
    except ValidationError as error:
        raise_invalid(field_errors(error, provider), error_codes(error))
    return integration_out(integration)


@router.delete("/orgs/{org_id}/integrations/{integration_id}", response={204: None, **ERRORS})
def integrations_delete(request: HttpRequest, org_id: UUID, integration_id: UUID):
    membership = membership_for(request, org_id, admin=True)
    try:
        services.integration_delete(integration=_integration(membership, integration_id))
    except services.IntegrationInUse as error:
        raise ApiError(409, error.message, code="in_use") from None
    return Status(204, None)


@router.post(
    "/orgs/{org_id}/integrations/{integration_id}/check",
    response={200: CheckOut, **ERRORS},
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


@router.get("/orgs/{org_id}/availableIntegrations", response={200: list[AvailableType], **ERRORS})
def integrations_available(request: HttpRequest, org_id: UUID):
    membership_for(request, org_id)
    return available_integrations()


# --- pull credentials -------------------------------------------------------------------------


def _runtime_membership(request: HttpRequest, org_id: UUID) -> Membership:
    """Pull credentials are for admins' personal tokens and the organization's runtime
    tokens; never for a member, whose role must not reach a stored secret."""
    membership = membership_for(request, org_id, runtime=True)
    if not (membership.is_admin or request.auth.is_runtime):
        raise ApiError(403, messages.PULL_NEEDS_ADMIN_OR_RUNTIME)
    return membership


@sensitive_variables()
def _pull_response(integration: Integration, *, sealed: object = UNREAD) -> HttpResponse:
    """`sealed`: what the caller already read of the integration's cache entry."""
    try:
        pull = pull_credentials(integration, sealed=sealed)
    except RegistryUnreachable as error:
        raise ApiError(503, str(error), code="registry_unreachable") from None
    except RegistryRefused as error:
        raise ApiError(
            502, messages.credentials_rejected(integration.name, error), code="credentials_rejected"
        ) from None
    audit.record(
        action=PULL_READ,
        target=integration,
        details={"registry": pull.registry},
        sealed=False,  # one INSERT, no chain lock: every pod start asks (the worker seals)
    )
    return _pull_body(pull, integration_id=integration.pk)


@sensitive_variables()
def _pull_body(pull: PullCredentials, *, integration_id: UUID) -> HttpResponse:
    auth = base64.b64encode(f"{pull.username}:{pull.password}".encode()).decode()
    body = {
        "auths": {
            pull.registry: {"username": pull.username, "password": pull.password, "auth": auth}
        },
        "expiresAt": pull.expires_at.isoformat(),
        "integrationId": str(integration_id),
    }
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    return response


def _pull_entry(request: HttpRequest) -> list[str]:
    """The pull credentials entry of the integration in the path, read with the token."""
    try:
        return [pull_cache_key(UUID(request.resolver_match.kwargs["integration_id"]))]
    except (AttributeError, KeyError, TypeError, ValueError):
        return []  # not an id: the endpoint answers its error without reading the cache


@router.get(
    "/orgs/{org_id}/integrations/{integration_id}/pull-credentials",
    response={200: PullCredentialsOut, **ERRORS},
    tags=["pull credentials"],
    auth=RuntimeBearerToken(prefetch=_pull_entry),
    summary="Docker config auth for the integration's registry (admins and runtime tokens)",
)
@sensitive_variables()
def integrations_pull_credentials(request: HttpRequest, org_id: UUID, integration_id: UUID):
    membership = _runtime_membership(request, org_id)
    # From the cache, the read recorded in the one statement that checks the integration.
    sealed = request.prefetched.get(pull_cache_key(integration_id))
    cached = cached_pull_credentials(
        organization_id=membership.organization_id, integration_id=integration_id, sealed=sealed
    )
    if cached is not None:
        return _pull_body(cached, integration_id=integration_id)
    # Not cached: minted from the ciphertext, read with the row (no creator joined in).
    integration = get_object_in_org_or_404(
        Integration.objects.all(), membership.organization, integration_id
    )
    # What the token's round trip read was missing or stale: mint, without reading it again.
    return _pull_response(integration, sealed=None)


@router.get(
    "/orgs/{org_id}/pull-credentials",
    response={200: PullCredentialsOut, **ERRORS},
    tags=["pull credentials"],
    auth=RuntimeBearerToken(),
    summary="Pull credentials for an image, from the integration serving its registry host",
)
def pull_credentials_for_image(request: HttpRequest, org_id: UUID, image: str):
    membership = _runtime_membership(request, org_id)
    try:
        reference = parse_image(image)
    except ValueError as error:
        raise ApiError(400, str(error), fields={"image": [str(error)]}) from None
    integration = Integration.objects.for_organization(membership.organization).serving_registry(
        reference.registry
    )
    if integration is None:
        raise ApiError(404, messages.no_integration_for(reference.registry))
    return _pull_response(integration)
