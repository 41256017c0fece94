"""What every API router shares: strict input schemas, the error schemas and the scoping of
a call to one of the caller's organizations."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Schema
from pydantic import ConfigDict

from integrations_site.organizations.models import Membership

from .errors import ApiError


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


class ErrorOut(Schema):
    error: ErrorDetail


ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    502: ErrorOut,
    503: ErrorOut,
}


def membership_for(request: HttpRequest, org_id: UUID, *, admin: bool = False) -> Membership:
    membership = (
        Membership.objects.filter(user=request.user, organization_id=org_id)
        .select_related("organization")
        .first()
    )
    if membership is None:
        raise ApiError(404, "Organization not found.")
    if admin and not membership.is_admin:
        raise ApiError(403, "Only organization admins can make changes here.")
    return membership
