"""REST API: an organization's audit trail, for its admins. Mounted by the API root.

The list pages like every API list (api/paging.py: newest first by (created_at, id), a JSON
array, the next page in the Link header); the export streams JSON lines for a SIEM."""

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from integrations_site.audit.models import AuditEvent
from integrations_site.audit.services import as_json, audit_seal, json_lines
from integrations_site.validation import storable

from .common import ERRORS, membership_for
from .paging import PAGED, PageQuery, keyset_page, page_response

router = Router(tags=["audit"])


class AuditFilters(Schema):
    action: str = Field("", max_length=64, description="e.g. integration.delete")
    actor: str = Field("", max_length=200, description="Actor id, or part of the actor's name")
    target: str = Field("", max_length=200, description="Target id, or part of its name")
    since: datetime | None = Field(None, description="Events at or after this time")
    until: datetime | None = Field(None, description="Events before this time")

    @field_validator("action", "actor", "target", mode="after")
    @classmethod
    def _drop_unstorable(cls, value: str) -> str:
        # Characters no database stores can match nothing: drop them rather than fail.
        return "".join(ch for ch in value if storable(ch)).strip()


class AuditActor(Schema):
    kind: str
    id: str
    name: str


class AuditTarget(Schema):
    type: str
    id: str
    name: str


class AuditEventOut(Schema):
    id: int
    organizationId: UUID | None
    # None while a read recorded on a hot path waits to be linked into the chain.
    sequence: int | None
    createdAt: datetime
    actor: AuditActor
    action: str
    target: AuditTarget
    outcome: str
    details: dict
    clientAddress: str
    userAgent: str
    requestId: str
    previousHash: str
    hash: str


def _events(request: HttpRequest, org_id: UUID, filters: AuditFilters):
    membership = membership_for(request, org_id, admin=True)
    return AuditEvent.objects.for_organization(membership.organization_id).filtered(
        **filters.dict()
    )


@router.get(
    "/orgs/{org_id}/audit",
    response={200: list[AuditEventOut], **ERRORS},
    openapi_extra=PAGED,
    summary="The organization's audit events, newest first (admins)",
)
def audit_list(
    request: HttpRequest, org_id: UUID, filters: Query[AuditFilters], paging: Query[PageQuery]
):
    page = keyset_page(request, _events(request, org_id, filters).values(), paging)
    return page_response(request, page, [as_json(AuditEvent(**row)) for row in page.rows])


@router.get(
    "/orgs/{org_id}/audit/export",
    response={200: None, **ERRORS},
    summary="The organization's audit events as JSON lines, oldest first, for a SIEM (admins)",
)
def audit_export(
    request: HttpRequest,
    org_id: UUID,
    filters: Query[AuditFilters],
    afterSequence: int = Query(0, ge=0, description="Only events after this chain position"),
):
    events = _events(request, org_id, filters)
    audit_seal(chain=org_id)  # every event shipped has its place in the chain
    events = events.filter(sequence__gt=afterSequence)
    response = StreamingHttpResponse(
        json_lines(events.order_by("sequence")), content_type="application/x-ndjson"
    )
    response["Content-Disposition"] = 'attachment; filename="audit.ndjson"'
    response["Cache-Control"] = "no-store"
    return response
