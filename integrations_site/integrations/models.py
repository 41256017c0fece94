import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower

from integrations_site.encryption.fields import EncryptedJSONField
from integrations_site.organizations.models import Organization
from integrations_site.organizations.scoping import OrgScopedQuerySet

from .providers.base import (
    IntegrationType,
    Provider,
    get_provider,
    provider_display_name,
    providers_for,
)

__all__ = [
    "CachedPullCredentials",
    "Integration",
    "IntegrationStatus",
    "IntegrationType",
    "ScheduleSlot",
]


class IntegrationStatus(models.TextChoices):
    VERIFIED = "verified", "Verified"
    FAILED = "failed", "Failed"
    NOT_VERIFIED = "not_verified", "Not verified"


def normalise_registry(host: str) -> str:
    """A registry host as stored and looked up: lower-case, no scheme, no path or trailing
    slash, the port kept (`registry.example.com:5000` and `registry.example.com` are two
    registries to Docker too)."""
    host = host.strip().lower()
    for scheme in ("https://", "http://"):
        host = host.removeprefix(scheme)
    return host.split("/", 1)[0]


# The API list's columns (api.py), read with .values(): no ciphertext, no model instances.
LIST_COLUMNS = (
    "id",
    "name",
    "type",
    "organization_id",
    "created_at",
    "updated_at",
    "metadata",
    "provider",
    "account",
    "region",
    "key_hint",
    "status",
    "status_reason",
    "checked_at",
    "registry",
)


class IntegrationQuerySet(OrgScopedQuerySet):
    def name_contains(self, text: str) -> "IntegrationQuerySet":
        return self.filter(name__icontains=text) if text else self

    def serving_registry(self, registry: str) -> "Integration | None":
        """The registry integration serving `registry` (newest first wins): one query on the
        stored, normalised host, by the (organization, type, registry) index."""
        host = normalise_registry(registry)
        if not host:
            return None
        registered = [provider.key for provider in providers_for(IntegrationType.PRIVATE_REGISTRY)]
        return (
            self.filter(type=IntegrationType.PRIVATE_REGISTRY, registry=host)
            .filter(provider__in=registered)
            .defer("credentials")
            .order_by("-created_at", "-id")
            .first()
        )

    def for_list(self) -> "IntegrationQuerySet":
        # The list never needs the ciphertext; deferring it keeps pages light.
        return self.select_related("created_by").defer("credentials")

    def list_rows(self, columns: tuple[str, ...] = LIST_COLUMNS) -> "IntegrationQuerySet":
        """Dicts of `columns` (the API's LIST_COLUMNS unless a page asks for fewer) plus
        `creator`, the username joined in (no user objects)."""
        username = f"created_by__{get_user_model().USERNAME_FIELD}"
        return self.values(*columns, creator=F(username))

    def bulk_create(self, objs, *args, **kwargs):
        # bulk_create skips save(): normalise the hosts here too.
        for integration in objs:
            integration.registry = normalise_registry(integration.registry)
        return super().bulk_create(objs, *args, **kwargs)


class Integration(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="integrations"
    )
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=40, choices=IntegrationType.choices)
    provider = models.CharField(max_length=40)
    metadata = models.JSONField(default=dict, blank=True)
    # Non-secret display values, copied out of the credentials when they are set.
    account = models.CharField(max_length=64, blank=True)
    region = models.CharField(max_length=64, blank=True)
    key_hint = models.CharField(max_length=32, blank=True)
    registry = models.CharField(max_length=255, blank=True)
    credentials = EncryptedJSONField()
    # Bumped whenever the credentials are replaced; part of every cache key derived from them.
    credentials_version = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=20, choices=IntegrationStatus.choices, default=IntegrationStatus.NOT_VERIFIED
    )
    status_reason = models.CharField(max_length=500, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IntegrationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("name"),
                name="integration_name_unique_per_org",
                violation_error_message="An integration with this name already exists.",
            ),
        ]
        indexes = [
            # Keyset pages of the API list: newest first, the id breaking ties.
            models.Index(
                fields=["organization", "-created_at", "-id"], name="integration_org_newest"
            ),
            # serving_registry(): which integration serves an image's host.
            models.Index(
                fields=["organization", "type", "registry"], name="integration_org_registry"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # Every write stores the host the way serving_registry() looks it up.
        self.registry = normalise_registry(self.registry)
        super().save(*args, **kwargs)

    @property
    def provider_display(self) -> str:
        return provider_display_name(self.provider)

    @property
    def provider_class(self) -> Provider | None:
        return get_provider(self.provider)

    @property
    def registry_host(self) -> str:
        """The host its images are named by ('' for storage integrations)."""
        provider = get_provider(self.provider)
        return provider.registry_host(self) if provider else ""


class CachedPullCredentialsQuerySet(models.QuerySet):
    def due_for_refresh(self, before) -> "CachedPullCredentialsQuerySet":
        """Entries whose cached credentials run out before `before`."""
        return self.filter(cached_until__lt=before).select_related("integration")


class CachedPullCredentials(models.Model):
    """Which integrations have pull credentials in the cache, and until when (pull.py). The
    worker mints them anew before that, so a pull never waits on the registry."""

    integration = models.OneToOneField(
        Integration, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    credentials_version = models.PositiveIntegerField()
    cached_until = models.DateTimeField(db_index=True)

    objects = CachedPullCredentialsQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "cached pull credentials"

    def __str__(self) -> str:
        return f"{self.integration_id} until {self.cached_until.isoformat()}"


class ScheduleSlot(models.Model):
    """One row per run of a worker schedule. Every worker tries to insert the row of the
    current slot; the unique constraint lets exactly one of them win, so running several
    workers never enqueues a run twice."""

    name = models.CharField(max_length=40)
    starts_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "starts_at"], name="schedule_slot_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.starts_at.isoformat()}"
