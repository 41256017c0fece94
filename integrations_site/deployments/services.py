"""Deploy, restart and install. The registry is asked outside any transaction (in parallel and
within one deadline, see runtime.py); each outcome is then recorded atomically on the service or
node, with a Rollout row for the history.

A service or node can be deleted (with its organization or pipeline) while its registry is
asked: recording then locks the rows first and leaves out the ones that are gone, and a
request about one object that is gone answers "not found" instead of writing it back."""

from collections.abc import Sequence

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from integrations_site import audit
from integrations_site.integrations.images import parse_image
from integrations_site.organizations.models import Organization
from integrations_site.organizations.scoping import not_found_message

from .messages import PIPELINE_NAME_TAKEN, SERVICE_NAME_TAKEN, revoked_reason
from .models import Pipeline, PipelineNode, Rollout, RunStatus, Service
from .runtime import Outcome, RolloutKey, roll_out_images

# What a rollout writes on its target; nothing else, so a concurrent change of the image or
# name is not overwritten with what this request read earlier.
ROLLOUT_FIELDS = ["status", "status_reason", "last_deployed_at", "revoked_integration"]


def _registry_of(image: str) -> str:
    try:
        return parse_image(image).registry
    except ValueError:
        return ""


def _key(target: Service | PipelineNode) -> RolloutKey:
    return (target.runner_image, target.revoked_integration)


def _still_there(model: type[Service] | type[PipelineNode], targets: Sequence) -> dict:
    """Lock the targets' rows until the transaction ends. Those that still exist (a deleted
    one must not be written back), by primary key, with their revoked_integration now."""
    return dict(
        model.objects.select_for_update(of=("self",))
        .filter(pk__in=[target.pk for target in targets])
        .values_list("pk", "revoked_integration")
    )


@transaction.atomic
def _record(
    targets: Sequence[Service | PipelineNode],
    action: str,
    outcomes: dict[RolloutKey, Outcome],
    user: AbstractBaseUser | None,
) -> list[Service | PipelineNode]:
    """Write each target's outcome with its Rollout row; returns the targets written."""
    if not targets:
        return []
    model = type(targets[0])
    present = _still_there(model, targets)
    fields = [*ROLLOUT_FIELDS, "updated_at"] if model is Service else ROLLOUT_FIELDS
    written = []
    for target in targets:
        if target.pk not in present:
            continue
        outcome = outcomes[_key(target)]
        revoked_meanwhile = present[target.pk]
        if revoked_meanwhile and revoked_meanwhile != target.revoked_integration:
            # Its integration was deleted while the registry was asked: that answer is void.
            outcome = Outcome(RunStatus.IMAGE_PULL_BACK_OFF, revoked_reason(revoked_meanwhile))
            target.revoked_integration = revoked_meanwhile
        target.status = outcome.status
        target.status_reason = outcome.reason
        target.last_deployed_at = timezone.now()
        if outcome.status == RunStatus.RUNNING:
            target.revoked_integration = ""
        target.save(update_fields=fields)
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
        audit.record(
            action=f"{target._meta.model_name}.{action}",
            target=target,
            target_name=str(target),
            organization_id=target.organization_id
            if isinstance(target, Service)
            else target.pipeline.organization_id,
            outcome=audit.SUCCESS if outcome.status == RunStatus.RUNNING else audit.FAILURE,
            details={"image": target.runner_image, "status": outcome.status},
        )
        written.append(target)
    return written


def _roll_out(
    targets: Sequence[Service | PipelineNode],
    organization: Organization,
    action: str,
    user: AbstractBaseUser | None,
) -> list[Service | PipelineNode]:
    if targets:
        # The revocation state as of now (the caller's instances may be older): _record tells
        # a revocation during the registry calls apart from one before them.
        revoked = dict(
            type(targets[0])
            .objects.filter(pk__in=[target.pk for target in targets])
            .values_list("pk", "revoked_integration")
        )
        for target in targets:
            target.revoked_integration = revoked.get(target.pk, target.revoked_integration)
    outcomes = roll_out_images(organization, [_key(target) for target in targets])
    return _record(targets, action, outcomes, user)


def _roll_out_one(
    target: Service | PipelineNode, organization: Organization, action: str, user
) -> None:
    if not _roll_out([target], organization, action, user):
        raise Http404(not_found_message(type(target)))


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
            if service._state.adding:
                service.save()
            elif _still_there(Service, [service]):
                service.save(update_fields=["runner_image", "registry", "updated_at"])
            else:  # deleted since it was read: a save would silently insert it again
                raise Http404(not_found_message(Service))
    except IntegrityError:
        raise ValidationError({"name": SERVICE_NAME_TAKEN}) from None
    _roll_out_one(service, organization, action, user)
    return service


def service_restart(*, service: Service, user: AbstractBaseUser | None) -> Service:
    _roll_out_one(service, service.organization, Rollout.Action.RESTART, user)
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
    """Deploy every node; one failing (or unanswered) node does not stop or hide the others."""
    nodes = list(pipeline.nodes.all())
    installed = _roll_out(nodes, pipeline.organization, Rollout.Action.INSTALL, user)
    updated = Pipeline.objects.filter(pk=pipeline.pk).update(last_installed_at=timezone.now())
    if not updated or not installed:
        raise Http404(not_found_message(Pipeline))
    return nodes


def pipeline_node_restart(*, node: PipelineNode, user: AbstractBaseUser | None) -> PipelineNode:
    _roll_out_one(node, node.pipeline.organization, Rollout.Action.RESTART, user)
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
        # Locked: a row deleted meanwhile is not listed, and none can go before the commit.
        targets = list(queryset.using_registry(registry).select_for_update(of=("self",)))
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
    """Restart every service of `registry` together: each image is checked once, in parallel,
    within the deadline. Services deleted meanwhile are left out."""
    services = list(Service.objects.for_organization(organization).using_registry(registry))
    return _roll_out(services, organization, Rollout.Action.RESTART, user)
