"""REST API for services and pipelines: a ninja Router mounted by the API root (api_root.py)."""

from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from integrations_site.api.common import ERRORS, Strict, membership_for
from integrations_site.api.errors import ApiError
from integrations_site.api.paging import PAGED, PageQuery, keyset_page, page_response
from integrations_site.integrations.images import parse_image
from integrations_site.organizations.scoping import get_object_in_org_or_404
from integrations_site.validation import clean_name as validate_name

from . import services
from .messages import (
    NODE_NAMES_NOT_UNIQUE,
    PIPELINE_NAME_TAKEN,
    SERVICE_NAME_TAKEN,
    too_many_nodes,
)
from .models import Pipeline, PipelineNode, Service

router = Router(tags=["services and pipelines"])


class RolloutState(Schema):
    status: str
    statusReason: str
    lastDeployedAt: datetime | None
    registry: str


class ServiceOut(RolloutState):
    id: UUID
    name: str
    runnerImage: str
    org: UUID


class NodeOut(RolloutState):
    name: str
    runnerImage: str


class PipelineOut(Schema):
    id: UUID
    name: str
    org: UUID
    lastInstalledAt: datetime | None
    nodes: list[NodeOut]


class ServiceDeploy(Strict):
    name: str = Field(max_length=100, min_length=1)
    runnerImage: str = Field(max_length=500, min_length=1)


class NodeIn(Strict):
    name: str = Field(max_length=100, min_length=1)
    runnerImage: str = Field(max_length=500, min_length=1)


class PipelineCreate(Strict):
    name: str = Field(max_length=100, min_length=1)
    nodes: list[NodeIn] = Field(min_length=1)


def _state(item: Service | PipelineNode) -> dict:
    return {
        "status": item.status,
        "statusReason": item.status_reason,
        "lastDeployedAt": item.last_deployed_at,
        "registry": item.registry,
        "runnerImage": item.runner_image,
        "name": item.name,
    }


def _service_out(service: Service) -> dict:
    return {**_state(service), "id": service.pk, "org": service.organization_id}


def _pipeline_out(pipeline: Pipeline) -> dict:
    return {
        "id": pipeline.pk,
        "name": pipeline.name,
        "org": pipeline.organization_id,
        "lastInstalledAt": pipeline.last_installed_at,
        "nodes": [_state(node) for node in pipeline.nodes.all()],
    }


def _name(field: str, value: str) -> str:
    try:
        return validate_name(value, max_length=100)
    except ValidationError as error:
        raise ApiError(400, error.message, fields={field: [error.message]}) from None


def _check_image(field: str, image: str) -> None:
    try:
        parse_image(image)
    except ValueError as error:
        raise ApiError(400, str(error), fields={field: [str(error)]}) from None


def _service(membership, service_id: UUID) -> Service:
    return get_object_in_org_or_404(Service.objects, membership.organization, service_id)


def _pipeline(membership, pipeline_id: UUID) -> Pipeline:
    return get_object_in_org_or_404(Pipeline.objects, membership.organization, pipeline_id)


# The columns of a rollout state, read with .values() by the lists.
_STATE_COLUMNS = ("status", "status_reason", "last_deployed_at", "registry", "runner_image", "name")


def _state_row(row: dict) -> dict:
    return {
        "status": row["status"],
        "statusReason": row["status_reason"],
        "lastDeployedAt": row["last_deployed_at"],
        "registry": row["registry"],
        "runnerImage": row["runner_image"],
        "name": row["name"],
    }


@router.get(
    "/orgs/{org_id}/services",
    response={200: list[ServiceOut], **ERRORS},
    openapi_extra=PAGED,
    summary="One page of services, newest first (next page in the Link header)",
)
def services_list(request: HttpRequest, org_id: UUID, paging: Query[PageQuery]):
    membership = membership_for(request, org_id)
    rows = Service.objects.for_organization(membership.organization).values(
        "id", "created_at", "organization_id", *_STATE_COLUMNS
    )
    page = keyset_page(request, rows, paging)
    body = [
        {**_state_row(row), "id": row["id"], "org": row["organization_id"]} for row in page.rows
    ]
    return page_response(request, page, body)


@router.post(
    "/orgs/{org_id}/services",
    response={200: ServiceOut, **ERRORS},
    summary="Deploy a service (a new name creates it; an existing name updates its image)",
)
def services_deploy(request: HttpRequest, org_id: UUID, payload: ServiceDeploy):
    membership = membership_for(request, org_id, admin=True)
    name = _name("name", payload.name)
    _check_image("runnerImage", payload.runnerImage)
    try:
        service = services.service_deploy(
            organization=membership.organization,
            name=name,
            runner_image=payload.runnerImage.strip(),
            user=request.user,
        )
    except ValidationError as error:
        raise ApiError(409, SERVICE_NAME_TAKEN, code="name_taken") from (error)
    return _service_out(service)


@router.get("/orgs/{org_id}/services/{service_id}", response={200: ServiceOut, **ERRORS})
def services_get(request: HttpRequest, org_id: UUID, service_id: UUID):
    return _service_out(_service(membership_for(request, org_id), service_id))


@router.post("/orgs/{org_id}/services/{service_id}/restart", response={200: ServiceOut, **ERRORS})
def services_restart(request: HttpRequest, org_id: UUID, service_id: UUID):
    service = _service(membership_for(request, org_id, admin=True), service_id)
    return _service_out(services.service_restart(service=service, user=request.user))


@router.get(
    "/orgs/{org_id}/pipelines",
    response={200: list[PipelineOut], **ERRORS},
    openapi_extra=PAGED,
    summary="One page of pipelines, newest first (next page in the Link header)",
)
def pipelines_list(request: HttpRequest, org_id: UUID, paging: Query[PageQuery]):
    membership = membership_for(request, org_id)
    rows = Pipeline.objects.for_organization(membership.organization).values(
        "id", "created_at", "name", "organization_id", "last_installed_at"
    )
    page = keyset_page(request, rows, paging)
    # The page's nodes in one more query, however many pipelines and nodes.
    nodes: dict[UUID, list[dict]] = {row["id"]: [] for row in page.rows}
    for node in PipelineNode.objects.filter(pipeline_id__in=list(nodes)).values(
        "pipeline_id", *_STATE_COLUMNS
    ):
        nodes[node["pipeline_id"]].append(_state_row(node))
    body = [
        {
            "id": row["id"],
            "name": row["name"],
            "org": row["organization_id"],
            "lastInstalledAt": row["last_installed_at"],
            "nodes": nodes[row["id"]],
        }
        for row in page.rows
    ]
    return page_response(request, page, body)


@router.post("/orgs/{org_id}/pipelines", response={201: PipelineOut, **ERRORS})
def pipelines_create(request: HttpRequest, org_id: UUID, payload: PipelineCreate):
    membership = membership_for(request, org_id, admin=True)
    if len(payload.nodes) > settings.PIPELINE_MAX_NODES:
        message = too_many_nodes(settings.PIPELINE_MAX_NODES, len(payload.nodes))
        raise ApiError(400, message, fields={"nodes": [message]})
    name = _name("name", payload.name)
    names = [_name(f"nodes.{i}.name", node.name) for i, node in enumerate(payload.nodes)]
    if len(set(names)) != len(names):
        raise ApiError(400, NODE_NAMES_NOT_UNIQUE, fields={"nodes": ["Duplicate names."]})
    for index, node in enumerate(payload.nodes):
        _check_image(f"nodes.{index}.runnerImage", node.runnerImage)
    try:
        pipeline = services.pipeline_create(
            organization=membership.organization,
            name=name,
            nodes=[
                (node_name, node.runnerImage.strip())
                for node_name, node in zip(names, payload.nodes, strict=True)
            ],
            user=request.user,
        )
    except ValidationError:
        raise ApiError(409, PIPELINE_NAME_TAKEN, code="name_taken") from None
    return Status(201, _pipeline_out(pipeline))


@router.get("/orgs/{org_id}/pipelines/{pipeline_id}", response={200: PipelineOut, **ERRORS})
def pipelines_get(request: HttpRequest, org_id: UUID, pipeline_id: UUID):
    return _pipeline_out(_pipeline(membership_for(request, org_id), pipeline_id))


@router.post(
    "/orgs/{org_id}/pipelines/{pipeline_id}/install", response={200: PipelineOut, **ERRORS}
)
def pipelines_install(request: HttpRequest, org_id: UUID, pipeline_id: UUID):
    membership = membership_for(request, org_id, admin=True)
    pipeline = _pipeline(membership, pipeline_id)
    services.pipeline_install(pipeline=pipeline, user=request.user)
    # Read again (a 404 if deleted meanwhile, never a 500): the nodes' new states.
    return _pipeline_out(_pipeline(membership, pipeline_id))
