import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from integrations_site.integrations.models import Integration
from integrations_site.organizations.models import Organization
from integrations_site.organizations.scoping import OrgScopedQuerySet


class StorageDriverQuerySet(OrgScopedQuerySet):
    def for_list(self) -> "StorageDriverQuerySet":
        # The integration's name is shown; its ciphertext never is.
        return self.select_related("integration", "created_by").defer("integration__credentials")


class StorageDriver(models.Model):
    """A bucket (and optional path in it) reached with a storage integration's keys."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="storage_drivers"
    )
    name = models.CharField(max_length=100)
    # PROTECT: an integration that drivers use can't be deleted (integration_delete turns the
    # ProtectedError into IntegrationInUse, naming the drivers by __str__).
    integration = models.ForeignKey(
        Integration, on_delete=models.RESTRICT, related_name="storage_drivers"
    )
    bucket = models.CharField(max_length=63)
    path = models.CharField(max_length=1024, blank=True)
    region = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StorageDriverQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("name"),
                name="storage_driver_name_unique_per_org",
                violation_error_message="A storage driver with this name already exists.",
            ),
        ]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return self.name
