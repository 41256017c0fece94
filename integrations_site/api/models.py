import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from integrations_site.organizations.models import Organization

# Tokens made before JWT-form tokens: "dlt_" + 256 random bits. They work until revoked.
TOKEN_PREFIX = "dlt_"
# A JWT-form token's hint: its last characters (the header is the same for every token).
JWT_HINT_LENGTH = 6


def hash_token(raw: str) -> str:
    # Every token carries 256 unguessable bits (random, or an HMAC signature), so a fast hash
    # is enough; only the hash (of the whole token) is stored.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> "ApiTokenQuerySet":
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            Q(user__isnull=True) | Q(user__is_active=True),
        )

    def for_user(self, user) -> "ApiTokenQuerySet":
        """A user's personal tokens."""
        return self.filter(user=user)

    def runtime_of(self, organization: Organization) -> "ApiTokenQuerySet":
        """An organization's runtime tokens."""
        return self.filter(organization=organization)

    def matching(self, raw: str) -> "ApiTokenQuerySet":
        return self.filter(token_hash=hash_token(raw))


class ApiToken(models.Model):
    """A bearer token for the REST API, stored as a hash.

    Personal tokens (`user` set) act as their user, with the user's role in each organization.
    Runtime tokens (`organization` set) belong to one organization, are created and revoked
    by its admins, and may do one thing only: fetch that organization's registry pull
    credentials (for the kubelet credential provider and deployers)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        null=True,
        blank=True,
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="runtime_tokens",
        null=True,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    name = models.CharField(max_length=100)
    # To recognise a token in the list, never enough to use it: the last characters of a
    # JWT-form token, the first ones of an older "dlt_" token.
    hint = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, organization__isnull=True)
                | Q(user__isnull=True, organization__isnull=False),
                name="token_owned_by_a_user_or_an_organization",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint_display})"

    @property
    def hint_display(self) -> str:
        if self.hint.startswith(TOKEN_PREFIX):
            return f"{self.hint}…"
        return f"…{self.hint}"

    @property
    def is_runtime(self) -> bool:
        return self.organization_id is not None

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def touch(self) -> None:
        """Record use, at most once a minute, so busy clients don't write on every call."""
        now = timezone.now()
        if self.last_used_at is None or (now - self.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now
