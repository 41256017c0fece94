"""Services and pipelines that run images from the organization's registries.

A service or pipeline node does not pick an integration: at every deploy the site finds the
organization's registry integration whose host serves the image (see runtime.py)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from integrations_site.organizations.models import Organization
from integrations_site.organizations.scoping import OrgScopedQuerySet


class RunStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    IMAGE_PULL_BACK_OFF = "image_pull_back_off", "ImagePullBackOff"
    REVOKED = "revoked", "Access revoked"


class RunnableQuerySet(OrgScopedQuerySet):
    def using_registry(self, registry: str):
        return self.filter(registry=registry) if registry else self.none()


class Runnable(models.Model):
    """What services and pipeline nodes share: an image and the outcome of its last rollout."""

    runner_image = models.CharField(max_length=500)
    # The registry host of runner_image, kept to find what an integration serves.
    registry = models.CharField(max_length=255, blank=True, db_index=True)
    status = models.CharField(max_length=30, choices=RunStatus.choices, default=RunStatus.PENDING)
    status_reason = models.CharField(max_length=500, blank=True)
    # Set when the integration serving this image was deleted; cleared by a good rollout.
    revoked_integration = models.CharField(max_length=100, blank=True)
    last_deployed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Service(Runnable):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="services"
    )
    name = models.CharField(max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RunnableQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="service_name_unique_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Pipeline(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="pipelines"
    )
    name = models.CharField(max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_installed_at = models.DateTimeField(null=True, blank=True)

    objects = RunnableQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="pipeline_name_unique_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PipelineNodeQuerySet(RunnableQuerySet):
    organization_path = "pipeline__organization"


class PipelineNode(Runnable):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="nodes")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)

    objects = PipelineNodeQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pipeline", "name"], name="node_name_unique_in_pipeline"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pipeline.name} / {self.name}"


class Rollout(models.Model):
    """One deploy, restart, update or install of a service or a pipeline node: the history."""

    class Action(models.TextChoices):
        DEPLOY = "deploy", "Deploy"
        RESTART = "restart", "Restart"
        UPDATE = "update", "Update"
        INSTALL = "install", "Install"
        REVOKE = "revoke", "Access revoked"

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="rollouts"
    )
    node = models.ForeignKey(
        PipelineNode, on_delete=models.CASCADE, null=True, blank=True, related_name="rollouts"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    image = models.CharField(max_length=500)
    status = models.CharField(max_length=30, choices=RunStatus.choices)
    reason = models.CharField(max_length=500, blank=True)
    integration_name = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.image}: {self.get_status_display()}"
