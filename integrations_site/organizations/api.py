"""REST API: the caller's organizations. Mounted by the API root (integrations_site/api_root.py)."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema

from .access import membership_in
from .models import Membership

router = Router(tags=["organizations"])


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
