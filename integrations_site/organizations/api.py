"""REST API: the caller's organizations and their members. Mounted by the API root
(integrations_site/api_root.py), which answers every error here in its one shape. The audit
trail's endpoints are in api/audit.py, a floor up, beside the API's keyset paging."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as InvalidFields
from pydantic import ConfigDict, Field, field_validator

from integrations_site.validation import NOT_STORABLE, storable

from . import messages, services
from .access import membership_in
from .models import Membership

router = Router(tags=["organizations"])
# The API's audit page holds at most this many events.
AUDIT_LIMIT_MAX = 500


class OrganizationOut(Schema):
    id: UUID
    name: str
    role: str


@router.get("/orgs", response=list[OrganizationOut])
def organizations_list(request: HttpRequest):
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("organization")
        .order_by("organization__name")
    )
    return [
        {"id": m.organization_id, "name": m.organization.name, "role": m.role} for m in memberships
    ]


@router.get("/orgs/{org_id}", response=OrganizationOut)
def organization_get(request: HttpRequest, org_id: UUID):
    membership = membership_in(request.user, org_id)
    return {"id": org_id, "name": membership.organization.name, "role": membership.role}


# --- members ----------------------------------------------------------------------------------


class _Strict(Schema):
    # Like api.common.Strict (a floor above): unknown fields and unstorable text are refused.
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value):
        if isinstance(value, str) and not storable(value):
            raise ValueError(NOT_STORABLE)
        return value


Role = Literal["admin", "member"]


class MemberIn(_Strict):
    user: str = Field(max_length=254, description="Username or e-mail of an existing user")
    role: Role = "member"


class MemberPatch(_Strict):
    role: Role


class MemberOut(Schema):
    userId: int
    username: str
    email: str
    role: str
    joinedAt: datetime


def _member_out(membership: Membership) -> dict:
    return {
        "userId": membership.user_id,
        "username": membership.user.get_username(),
        "email": membership.user.email,
        "role": membership.role,
        "joinedAt": membership.created_at,
    }


def _member(membership: Membership, user_id: int) -> Membership:
    if not 0 < user_id < 2**63:  # no database holds such an id; some would fail to compare
        raise Http404(messages.NOT_A_MEMBER)
    found = (
        Membership.objects.filter(organization_id=membership.organization_id, user_id=user_id)
        .select_related("user", "organization")
        .first()
    )
    if found is None:
        raise Http404(messages.NOT_A_MEMBER)
    return found


def _invalid(error: ValidationError) -> InvalidFields:
    return InvalidFields(
        [
            {"loc": ("body", "payload", field), "msg": message, "type": "value_error"}
            for field, texts in error.message_dict.items()
            for message in texts
        ]
    )


@router.get("/orgs/{org_id}/members", response=list[MemberOut])
def members_list(request: HttpRequest, org_id: UUID):
    membership = membership_in(request.user, org_id, admin=True)
    members = (
        Membership.objects.filter(organization_id=membership.organization_id)
        .select_related("user")
        .order_by("user__username")
    )
    return [_member_out(member) for member in members]


@router.post("/orgs/{org_id}/members", response={201: MemberOut})
def members_add(request: HttpRequest, org_id: UUID, payload: MemberIn):
    membership = membership_in(request.user, org_id, admin=True)
    try:
        user = services.member_user_find(payload.user)
        added = services.member_add(
            organization=membership.organization, user=user, role=payload.role
        )
    except ValidationError as error:
        raise _invalid(error) from None
    return Status(201, _member_out(added))


@router.patch("/orgs/{org_id}/members/{user_id}", response=MemberOut)
def members_update(request: HttpRequest, org_id: UUID, user_id: int, payload: MemberPatch):
    membership = membership_in(request.user, org_id, admin=True)
    try:
        changed = services.member_role_change(
            membership=_member(membership, user_id), role=payload.role
        )
    except services.LastAdmin as error:
        raise HttpError(409, str(error)) from None
    return _member_out(changed)


@router.delete("/orgs/{org_id}/members/{user_id}", response={204: None})
def members_remove(request: HttpRequest, org_id: UUID, user_id: int):
    membership = membership_in(request.user, org_id, admin=True)
    try:
        services.member_remove(membership=_member(membership, user_id))
    except services.LastAdmin as error:
        raise HttpError(409, str(error)) from None
    return Status(204, None)
