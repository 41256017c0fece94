"""POST /drivers in the platform SDK's shape, so dtlpy's `drivers.create` works unchanged.

dtlpy creates drivers at /drivers with the project in `metadata.system.projectId`; this site
has no projects, so that id names the organization (`project_id=<organization id>`). The
request is answered by the organization's own endpoint (storage/api.py: same form, bucket
check, roles and errors), and the driver is returned with the keys dtlpy's Driver reads."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from integrations_site.api.common import ERRORS, Strict
from integrations_site.api.errors import ApiError

from . import api

router = Router(tags=["storage drivers"])

S3 = "s3"


class SystemMetadata(Strict):
    projectId: UUID = Field(description="The organization's id (this site has no projects).")


class DriverMetadata(Strict):
    system: SystemMetadata


class BucketPayload(Strict):
    bucketName: str
    path: str | None = Field(default=None, description="Key prefix in the bucket.")
    region: str | None = None
    storageClass: str | None = Field(default=None, description="Accepted and not used.")
    endpoint: str | None = Field(default=None, description="Not supported: AWS S3 only.")


class PlatformDriverCreate(Strict):
    name: str
    integrationId: UUID
    integrationType: str | None = None
    type: str = Field(description="Only 's3'.")
    metadata: DriverMetadata
    payload: BucketPayload
    allowExternalDelete: bool | None = Field(default=None, description="Accepted, not used.")
    creator: str | None = Field(default=None, description="Ignored: the creator is the caller.")


class PlatformDriverOut(Schema):
    id: UUID
    name: str
    type: str
    integrationId: UUID
    integrationType: str
    bucketName: str
    path: str
    region: str
    creator: str | None
    createdAt: datetime
    metadata: dict[str, Any]
    allowExternalDelete: bool


@router.post(
    "/drivers",
    response={201: PlatformDriverOut, **ERRORS},
    summary="Create a storage driver the way the platform SDK (dtlpy) sends it",
)
def platform_drivers_create(request: HttpRequest, payload: PlatformDriverCreate):
    unsupported = {}
    if payload.type != S3:
        unsupported["type"] = ["Only 's3' drivers are supported."]
    if payload.payload.endpoint:
        unsupported["payload.endpoint"] = ["Only AWS S3 is supported: leave it out."]
    if unsupported:
        raise ApiError(400, "The request has invalid fields.", code="invalid", fields=unsupported)
    organization_id = payload.metadata.system.projectId
    created = api.drivers_create(
        request,
        organization_id,
        api.DriverCreate(
            name=payload.name,
            integrationId=payload.integrationId,
            bucket=payload.payload.bucketName,
            path=payload.payload.path or None,
            region=payload.payload.region or None,
        ),
    )
    driver = created.value
    return Status(
        201,
        {
            "id": driver["id"],
            "name": driver["name"],
            "type": S3,
            "integrationId": driver["integrationId"],
            "integrationType": S3,
            "bucketName": driver["bucket"],
            "path": driver["path"],
            "region": driver["region"],
            "creator": driver["creator"],
            "createdAt": driver["createdAt"],
            "metadata": {"system": {"projectId": str(organization_id)}},
            # Deleting the driver never touches the bucket.
            "allowExternalDelete": False,
        },
    )
