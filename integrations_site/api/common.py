"""What every API router shares: strict input schemas, the error schemas and the scoping of
a call to one of the caller's organizations."""

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Schema
from pydantic import ConfigDict, field_validator

from integrations_site.organizations.access import (
    ADMINS_ONLY,
    ORGANIZATION_NOT_FOUND,
    membership_in,
)
from integrations_site.organizations.models import Membership
from integrations_site.validation import NOT_STORABLE, storable

from .auth import RUNTIME_ONLY_PULLS
from .models import ApiToken


def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


def _defer_validators() -> None:
    """Each API schema, and each response and parameter model django-ninja derives per
    operation (~300 in all), builds its validator when first used instead of while the
    routers load. Every router imports this module before it defines any of them."""
    from ninja.params.models import ParamModel

    Schema.model_config["defer_build"] = True
    for model in _subclasses(ParamModel):
        model.model_config["defer_build"] = True


_defer_validators()


class Strict(Schema):
    """Every API input: unknown fields and text no database can store (NUL, lone surrogates,
    anywhere in the body, nested values included) are field errors, never a 500."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        if not _all_storable(value):
            raise ValueError(NOT_STORABLE)
        return value


def _all_storable(value: Any) -> bool:
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return all(_all_storable(k) and _all_storable(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_all_storable(item) for item in value)
    if isinstance(value, Schema):
        return True  # validated by its own class
    return True


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


class ErrorOut(Schema):
    error: ErrorDetail
    # The same message and the HTTP status again, where the platform's SDK reads them.
    message: str
    status: int


ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    502: ErrorOut,
    503: ErrorOut,
}


def membership_for(
    request: HttpRequest, org_id: UUID, *, admin: bool = False, runtime: bool = False
) -> Membership:
    """The caller's membership in `org_id`: 404 for a stranger, 403 for a member where an
    admin is needed (organizations.access.membership_in, answered in the API's error shape).

    With `runtime`, a runtime token of that organization is accepted too: it gets an unsaved
    membership with no user and no admin role, so only `runtime` endpoints serve it."""
    token = getattr(request, "auth", None)
    if isinstance(token, ApiToken) and token.is_runtime:
        if str(token.organization_id) != str(org_id):
            raise Http404(ORGANIZATION_NOT_FOUND)
        if not runtime or admin:
            raise PermissionDenied(RUNTIME_ONLY_PULLS)
        return Membership(organization=token.organization, role=Membership.Role.MEMBER)
    memberships = getattr(token, "memberships", None)
    if memberships is None:
        return membership_in(request.user, org_id, admin=admin)
    # The memberships found with the token (ApiToken.objects.for_bearer): no query.
    membership = memberships.get(str(org_id))
    if membership is None:
        raise Http404(ORGANIZATION_NOT_FOUND)
    if admin and not membership.is_admin:
        raise PermissionDenied(ADMINS_ONLY)
    return membership
