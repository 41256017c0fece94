"""REST API for storage drivers: a ninja Router mounted by the API root (api_root.py).

Same rules as the rest of the API: another organization's objects answer 404, writes need the
admin role (403), and every error has the one shape {"error": {code, message, fields}}. The
create body goes through the same form as the UI, bucket check included."""

from datetime import datetime
from uuid import UUID

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from integrations_site.api.common import ERRORS, Strict, membership_for
from integrations_site.api.errors import ApiError
from integrations_site.api.paging import PAGED, PageQuery, keyset_page, page_response
from integrations_site.organizations.models import Membership
from integrations_site.organizations.scoping import get_object_in_org_or_404

from . import services
from .forms import StorageDriverForm
from .messages import NOT_IN_ORG, UNREACHABLE
from .models import StorageDriver

router = Router(tags=["storage drivers"])

# Form field names as the API spells them.
API_FIELDS = {"integration": "integrationId", "__all__": "body"}


class DriverCreate(Strict):
    name: str
    integrationId: UUID = Field(description="A storage (type 's3') integration's id.")
    bucket: str
    path: str | None = Field(default=None, description="Key prefix in the bucket.")
    region: str | None = Field(default=None, description="The bucket's Region.")


class DriverOut(Schema):
    id: UUID
    name: str
    org: UUID
    integrationId: UUID
    integrationName: str
    bucket: str
    path: str
    region: str
    creator: str | None
    createdAt: datetime


def _driver(membership: Membership, driver_id: UUID) -> StorageDriver:
    return get_object_in_org_or_404(
        StorageDriver.objects.for_list(), membership.organization, driver_id
    )


def _out(driver: StorageDriver) -> dict:
    return {
        "id": driver.pk,
        "name": driver.name,
        "org": driver.organization_id,
        "integrationId": driver.integration_id,
        "integrationName": driver.integration.name,
        "bucket": driver.bucket,
        "path": driver.path,
        "region": driver.region,
        "creator": driver.created_by.get_username() if driver.created_by else None,
        "createdAt": driver.created_at,
    }


def _raise_invalid(error: ValidationError) -> None:
    fields: dict[str, list[str]] = {}
    codes: set[str] = set()
    for name, errors in error.error_dict.items():
        messages = []
        for item in errors:
            codes.add(item.code or "")
            if name == "integration" and item.code == "invalid_choice":
                # Unknown ids and other organizations' ids read the same.
                messages.append(NOT_IN_ORG)
            else:
                messages.extend(item.messages)
        fields[API_FIELDS.get(name, name)] = messages
    if "name_taken" in codes:
        raise ApiError(
            409, "A storage driver with this name already exists.", code="name_taken", fields=fields
        )
    if "bucket_unreachable" in codes:
        raise ApiError(503, UNREACHABLE, code="storage_unreachable", fields=fields)
    raise ApiError(400, "The request has invalid fields.", code="invalid", fields=fields)


@router.get(
    "/orgs/{org_id}/drivers",
    response={200: list[DriverOut], **ERRORS},
    openapi_extra=PAGED,
    summary="One page of storage drivers, newest first (next page in the Link header)",
)
def drivers_list(request: HttpRequest, org_id: UUID, paging: Query[PageQuery]):
    membership = membership_for(request, org_id)
    username = f"created_by__{get_user_model().USERNAME_FIELD}"
    # Joined names, not related objects: no ciphertext and no model instance per row.
    rows = StorageDriver.objects.for_organization(membership.organization).values(
        "id",
        "created_at",
        "name",
        "organization_id",
        "integration_id",
        "bucket",
        "path",
        "region",
        integration_name=F("integration__name"),
        creator=F(username),
    )
    page = keyset_page(request, rows, paging)
    body = [
        {
            "id": row["id"],
            "name": row["name"],
            "org": row["organization_id"],
            "integrationId": row["integration_id"],
            "integrationName": row["integration_name"],
            "bucket": row["bucket"],
            "path": row["path"],
            "region": row["region"],
            "creator": row["creator"],
            "createdAt": row["created_at"],
        }
        for row in page.rows
    ]
    return page_response(request, page, body)


@router.post(
    "/orgs/{org_id}/drivers",
    response={201: DriverOut, **ERRORS},
    summary="Create a storage driver (checks the bucket with S3 HeadBucket first)",
)
def drivers_create(request: HttpRequest, org_id: UUID, payload: DriverCreate):
    membership = membership_for(request, org_id, admin=True)
    data = {
        "name": payload.name,
        "integration": str(payload.integrationId),
        "bucket": payload.bucket,
        "path": payload.path or "",
        "region": payload.region or "",
    }
    form = StorageDriverForm(data, organization=membership.organization)
    if not form.is_valid():
        _raise_invalid(ValidationError(form.errors.as_data()))
    try:
        driver = services.storage_driver_create(
            organization=membership.organization,
            created_by=request.user,
            name=form.cleaned_data["name"],
            integration=form.cleaned_data["integration"],
            bucket=form.cleaned_data["bucket"],
            path=form.cleaned_data["path"],
            region=form.cleaned_data["region"],
        )
    except ValidationError as error:
        _raise_invalid(error)
    return Status(201, _out(driver))


@router.get("/orgs/{org_id}/drivers/{driver_id}", response={200: DriverOut, **ERRORS})
def drivers_get(request: HttpRequest, org_id: UUID, driver_id: UUID):
    return _out(_driver(membership_for(request, org_id), driver_id))


@router.delete("/orgs/{org_id}/drivers/{driver_id}", response={204: None, **ERRORS})
def drivers_delete(request: HttpRequest, org_id: UUID, driver_id: UUID):
    membership = membership_for(request, org_id, admin=True)
    services.storage_driver_delete(driver=_driver(membership, driver_id))
    return Status(204, None)
