"""Deploy, restart and install. The registry is asked outside any transaction; each outcome is
then recorded atomically on the service or node, with a Rollout row for the history."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations_site.integrations.images import parse_image
from integrations_site.organizations.models import Organization

from .messages import PIPELINE_NAME_TAKEN, SERVICE_NAME_TAKEN, revoked_reason
from .models import Pipeline, PipelineNode, Rollout, RunStatus, Service
from .runtime import Outcome, roll_out_image


def _registry_of(image: str) -> str:
    try:
        return parse_image(image).registry
    except ValueError:
        return ""


@transaction.atomic
def _record(
    target: Service | PipelineNode, action: str, outcome: Outcome, user: AbstractBaseUser | None
) -> None:
    target.status = outcome.status
    target.status_reason = outcome.reason
    target.last_deployed_at = timezone.now()
    if outcome.status == RunStatus.RUNNING:
        target.revoked_integration = ""
    target.save()
    Rollout.objects.create(
        service=target if isinstance(target, Service) else None,
        node=target if isinstance(target, PipelineNode) else None,
        action=action,
        image=target.runner_image,
        status=outcome.status,
        reason=outcome.reason,
        integration_name=outcome.integration_name,
        created_by=user,
    )


def _roll_out(
    target: Service | PipelineNode, organization: Organization, action: str, user
) -> None:
    outcome = roll_out_image(
        organization, target.runner_image, revoked_integration=target.revoked_integration
    )
    _record(target, action, outcome, user)


def service_deploy(
    *,
    organization: Organization,
    name: str,
    runner_image: str,
    user: AbstractBaseUser | None,
) -> Service:
    """Deploy a new service, or update an existing one (same name) to this image."""
    service = Service.objects.for_organization(organization).filter(name__iexact=name).first()
    action = Rollout.Action.UPDATE if service else Rollout.Action.DEPLOY
    if service is None:
        service = Service(organization=organization, name=name, created_by=user)
    service.runner_image = runner_image
    service.registry = _registry_of(runner_image)
    try:
        with transaction.atomic():
            service.save()
    except IntegrityError:
        raise ValidationError({"name": SERVICE_NAME_TAKEN}) from None
    _roll_out(service, organization, action, user)
    return service


def service_restart(*, service: Service, user: AbstractBaseUser | None) -> Service:
    _roll_out(service, service.organization, Rollout.Action.RESTART, user)
    return service


@transaction.atomic
def pipeline_create(
    *,
    organization: Organization,
    name: str,
    nodes: list[tuple[str, str]],
    user: AbstractBaseUser | None,
) -> Pipeline:
    """Create a pipeline with its nodes, given as (name, runner image); not yet installed."""
    try:
        with transaction.atomic():
            pipeline = Pipeline.objects.create(
                organization=organization, name=name, created_by=user
            )
    except IntegrityError:
        raise ValidationError({"name": PIPELINE_NAME_TAKEN}) from None
    PipelineNode.objects.bulk_create(
        PipelineNode(
            pipeline=pipeline,
            name=node_name,
            runner_image=image,
            registry=_registry_of(image),
            position=position,
        )
        for position, (node_name, image) in enumerate(nodes)
    )
    return pipeline


def pipeline_install(*, pipeline: Pipeline, user: AbstractBaseUser | None) -> list[PipelineNode]:
    """Deploy every node; one failing node does not stop or hide the others."""
    nodes = list(pipeline.nodes.all())
    for node in nodes:
        _roll_out(node, pipeline.organization, Rollout.Action.INSTALL, user)
    Pipeline.objects.filter(pk=pipeline.pk).update(last_installed_at=timezone.now())
    return nodes


def pipeline_node_restart(*, node: PipelineNode, user: AbstractBaseUser | None) -> PipelineNode:
    _roll_out(node, node.pipeline.organization, Rollout.Action.RESTART, user)
    return node


def registry_dependants(*, organization: Organization, registry: str) -> dict[str, list]:
    """The services and pipeline nodes whose images come from `registry`."""
    return {
        "services": list(Service.objects.for_organization(organization).using_registry(registry)),
        "nodes": list(
            PipelineNode.objects.for_organization(organization)
            .using_registry(registry)
            .select_related("pipeline")
        ),
    }


@transaction.atomic
def registry_access_revoke(
    *, organization: Organization, registry: str, integration_name: str
) -> int:
    """The integration serving `registry` was deleted: every service and node using it loses
    access now, and says so until it is deployed again. Returns how many were marked."""
    reason = revoked_reason(integration_name)
    marked = 0
    for queryset in (
        Service.objects.for_organization(organization),
        PipelineNode.objects.for_organization(organization),
    ):
        targets = list(queryset.using_registry(registry))
        for target in targets:
            target.status = RunStatus.REVOKED
            target.status_reason = reason
            target.revoked_integration = integration_name
            target.save(update_fields=["status", "status_reason", "revoked_integration"])
            Rollout.objects.create(
                service=target if isinstance(target, Service) else None,
                node=target if isinstance(target, PipelineNode) else None,
                action=Rollout.Action.REVOKE,
                image=target.runner_image,
                status=RunStatus.REVOKED,
                reason=reason,
                integration_name=integration_name,
            )
        marked += len(targets)
    return marked


def services_restart_for_registry(
    *, organization: Organization, registry: str, user: AbstractBaseUser | None
) -> list[Service]:
    services = list(Service.objects.for_organization(organization).using_registry(registry))
    for service in services:
        service_restart(service=service, user=user)
    return services
