import hashlib
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from integrations_site.organizations.models import Membership, Organization

# Tokens made before JWT-form tokens: "dlt_" + 256 random bits. They work until revoked.
TOKEN_PREFIX = "dlt_"
# A JWT-form token's hint: its last characters (the header is the same for every token).
JWT_HINT_LENGTH = 6
# A found token row is kept in the cache this long, so a busy client's calls skip the lookup;
# revoking or deleting it (or deactivating its user) purges it at once (token_forget).
TOKEN_CACHE_SECONDS = 60
# Last-used time is written at most this often per token.
TOUCH_INTERVAL_SECONDS = 60
# Marks a purged entry: no lookup may cache the row again until it runs out, so a request
# that read the row just before the revocation can't put it back.
_FORGOTTEN = "forgotten"
_UNREAD = object()
# When this process last saw each token's use recorded (ApiToken.touch), and how many it keeps.
_touched: dict[uuid.UUID, float] = {}
_TOUCHED_LIMIT = 10_000


def hash_token(raw: str) -> str:
    # Every token carries 256 unguessable bits (random, or an HMAC signature), so a fast hash
    # is enough; only the hash (of the whole token) is stored. surrogatepass: a lone surrogate
    # (the test client, an odd WSGI server) hashes to no stored token instead of raising.
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


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

    def for_bearer(self, raw: str, *, cached: object = _UNREAD) -> "ApiToken | None":
        """The active token `raw`, with its user and organization (and, for a personal token,
        `memberships`: the user's, by organization id): from the cache when a recent call
        found it (no query), else two queries, then cached for TOKEN_CACHE_SECONDS. A cached
        row is still refused once it expires. `cached` is what the caller already read
        under token_cache_key(raw) (with other keys, in one round trip)."""
        key = _cache_key(hash_token(raw))
        if cached is _UNREAD:
            cached = cache.get(key)
        if isinstance(cached, ApiToken):
            return None if cached.is_expired else cached
        token = (
            self.active()
            .matching(raw)
            .select_related("user", "organization")
            .defer("user__password")  # never copied into a (shared) cache
            .first()
        )
        if token is not None and token.user_id is not None:
            # Cached with the token, so a busy client's calls need no membership query; any
            # change to one of the user's memberships forgets the token (_membership_changed).
            token.memberships = {
                str(membership.organization_id): membership
                for membership in Membership.objects.filter(user_id=token.user_id).select_related(
                    "organization"
                )
            }
        if token is not None and cached is None:
            cache.add(key, token, timeout=TOKEN_CACHE_SECONDS)  # never over a purge mark
        return token


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
        """Record use, at most once a minute, so busy clients don't write on every call: the
        row's own time says when it was last written, and a cache mark (one atomic add, seen
        by every process sharing the cache) lets only one call a minute write it."""
        # A cached row keeps the last_used_at it was cached with, so this process also
        # remembers when it last saw the mark: no cache call at all for the rest of the minute.
        seen = _touched.get(self.pk)
        if seen is not None and time.monotonic() - seen < TOUCH_INTERVAL_SECONDS:
            return
        now = timezone.now()
        if (
            self.last_used_at is None
            or (now - self.last_used_at).total_seconds() > TOUCH_INTERVAL_SECONDS
        ) and cache.add(f"api-token-used:{self.pk}", True, timeout=TOUCH_INTERVAL_SECONDS):
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now
        if len(_touched) >= _TOUCHED_LIMIT:
            _touched.clear()  # a bound, not a policy: at worst a few more cache calls
        _touched[self.pk] = time.monotonic()


def _cache_key(token_hash: str) -> str:
    return f"api-token:{token_hash}"


def token_cache_key(raw: str) -> str:
    """Where the token `raw`'s row is cached (ApiToken.objects.for_bearer)."""
    return _cache_key(hash_token(raw))


def token_forget(token_hashes: list[str]) -> None:
    """Purge cached token rows now and again at commit, leaving a mark that keeps them out of
    the cache for a while: the next call reads the database and sees the change."""

    def forget() -> None:
        cache.set_many(
            {_cache_key(token_hash): _FORGOTTEN for token_hash in token_hashes},
            timeout=TOKEN_CACHE_SECONDS,
        )

    if token_hashes:
        forget()
        transaction.on_commit(forget)


def _token_changed(sender, instance: ApiToken, created: bool = False, **kwargs) -> None:
    # Any save of an existing token (revocation) or its deletion (the admin revokes by
    # deleting; deleting a user or an organization cascades here too).
    if not created:
        token_forget([instance.token_hash])


def _user_changed(sender, instance, created: bool = False, **kwargs) -> None:
    # A deactivated user's tokens stop at once, as the uncached lookup promised.
    if not created and not instance.is_active:
        token_forget(list(instance.api_tokens.values_list("token_hash", flat=True)))


post_save.connect(_token_changed, sender=ApiToken, dispatch_uid="api_token_changed")
post_delete.connect(_token_changed, sender=ApiToken, dispatch_uid="api_token_deleted")


def _tokens_of_users(users) -> list[str]:
    return list(ApiToken.objects.filter(user__in=users).values_list("token_hash", flat=True))


def _membership_changed(sender, instance: Membership, **kwargs) -> None:
    # A member added, given another role or removed (a deleted organization or user cascades
    # here too): their cached tokens carry their memberships, so they are read again.
    token_forget(_tokens_of_users([instance.user_id]))


def _organization_changed(sender, instance: Organization, created: bool = False, **kwargs) -> None:
    # Renamed: the memberships cached with its members' tokens carry the organization.
    if not created:
        token_forget(_tokens_of_users(instance.memberships.values("user_id")))


post_save.connect(_user_changed, sender=settings.AUTH_USER_MODEL, dispatch_uid="api_user_changed")
post_save.connect(_membership_changed, sender=Membership, dispatch_uid="api_membership_saved")
post_delete.connect(_membership_changed, sender=Membership, dispatch_uid="api_membership_deleted")
post_save.connect(_organization_changed, sender=Organization, dispatch_uid="api_org_changed")
