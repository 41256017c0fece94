"""Registry pull credentials, minted by the provider and cached until shortly before expiry.

One entry per integration, sealed with the integration key ring (a shared cache such as Redis
holds no usable token), bound to the integration and carrying the credentials version it was
minted from: replaced credentials never serve an old token, and update and delete also purge
the entry at once. A pull by integration id is answered from the entry with one statement,
`cached_pull_credentials`: the read's audit event, inserted only while the integration still
exists in that organization under that credentials version (the database stays the truth on
every pull, so a delete revokes at once whatever the cache holds).

Each cached entry is listed in CachedPullCredentials; the worker mints it anew shortly before
it runs out (`refresh_pull_credentials`, integrations/tasks.py), so pulls don't wait on AWS."""

import json
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from integrations_site import audit
from integrations_site.encryption import crypto

from . import metrics
from .models import CachedPullCredentials, Integration
from .providers import PullCredentials, get_provider

REFRESH_BEFORE_EXPIRY = timedelta(minutes=30)
# The audit action of every read of pull credentials.
PULL_READ = "integration.pull_credentials"


def pull_cache_key(integration_id: object) -> str:
    """Where the integration's pull credentials are cached (for a caller that reads it in one
    round trip with other keys, and passes what it read as `sealed`)."""
    return f"pull-credentials:{integration_id}"


def _associated_data(integration_id: object) -> bytes:
    return f"pull-cache:{integration_id}".encode()


@dataclass(frozen=True)
class _Cached:
    organization_id: str
    credentials_version: int
    pull: PullCredentials


# `sealed` not given: the entry is read from the cache here.
UNREAD = object()


@sensitive_variables()
def _cached(integration_id: object, sealed: object = UNREAD) -> _Cached | None:
    key = pull_cache_key(integration_id)
    if sealed is UNREAD:
        sealed = cache.get(key)
    if sealed is None:
        return None
    try:
        data = json.loads(
            crypto.decrypt(sealed, associated_data=_associated_data(integration_id), where=key)
        )
    except crypto.DecryptionError:
        cache.delete(key)  # e.g. the key ring changed: mint anew
        return None
    return _Cached(
        organization_id=data["organization_id"],
        credentials_version=data["credentials_version"],
        pull=PullCredentials(
            username=data["username"],
            password=data["password"],
            registry=data["registry"],
            expires_at=datetime.fromisoformat(data["expires_at"]),
        ),
    )


@sensitive_variables()
def cached_pull_credentials(
    *, organization_id: object, integration_id: object, sealed: object = UNREAD
) -> PullCredentials | None:
    """The cached pull credentials of the organization's integration, their read recorded in
    the audit trail; None when the cache has none that are still valid (the caller then looks
    the integration up and mints, with pull_credentials). One cache read and one INSERT: no
    lookup of the integration, which the INSERT checks instead. `sealed`: what the caller
    already read under pull_cache_key(integration_id)."""
    found = _cached(integration_id, sealed)
    if found is None or found.organization_id != str(organization_id):
        return None  # another organization's id: never evict its entry
    recorded = audit.record_read(
        action=PULL_READ,
        model=Integration,
        pk=integration_id,
        organization_id=organization_id,
        where={"credentials_version": found.credentials_version},
        details={"registry": found.pull.registry},
    )
    if not recorded:  # deleted, or its credentials replaced, since the entry was made
        cache.delete(pull_cache_key(integration_id))
        return None
    metrics.pull_cache_used(hit=True)
    return found.pull


@sensitive_variables()
def pull_credentials(
    integration: Integration,
    *,
    minted: list[tuple[Integration, PullCredentials]] | None = None,
    sealed: object = UNREAD,
) -> PullCredentials:
    """The integration's pull credentials, from the cache or minted now. A fresh mint is
    listed for the worker's refresh (a database write); a caller running in a thread of its
    own passes `minted` instead, and lists them later with `track_minted` from the request's
    thread (threads here never touch the database). `sealed`: what the caller already read
    under pull_cache_key(integration.pk)."""
    found = _cached(integration.pk, sealed)
    if found is not None and found.credentials_version == integration.credentials_version:
        metrics.pull_cache_used(hit=True)
        return found.pull
    metrics.pull_cache_used(hit=False)
    fresh = _mint(integration)
    _cache(integration, fresh)
    if minted is None:
        _track(integration, fresh)
    else:
        minted.append((integration, fresh))
    return fresh


def track_minted(minted: list[tuple[Integration, PullCredentials]]) -> None:
    for integration, fresh in minted:
        _track(integration, fresh)


@sensitive_variables()
def refresh_pull_credentials(integration: Integration) -> PullCredentials:
    """Mint anew and replace the cached entry, whatever is cached now (the worker, ahead of
    expiry)."""
    fresh = _mint(integration)
    _cache(integration, fresh)
    _track(integration, fresh)
    # Deleted or replaced meanwhile: its purge may have run before this store.
    current = Integration.objects.filter(pk=integration.pk).values_list(
        "credentials_version", flat=True
    )
    if list(current) != [integration.credentials_version]:
        purge_pull_credentials(integration)
    return fresh


@sensitive_variables()
def _mint(integration: Integration) -> PullCredentials:
    provider = get_provider(integration.provider)
    if provider is None:
        raise LookupError(f"Unknown provider {integration.provider!r}.")
    return provider.mint_pull_credentials(integration.credentials)


def _cached_until(fresh: PullCredentials) -> datetime:
    return fresh.expires_at - REFRESH_BEFORE_EXPIRY


@sensitive_variables()
def _cache(integration: Integration, fresh: PullCredentials) -> None:
    ttl = (_cached_until(fresh) - datetime.now(UTC)).total_seconds()
    if ttl <= 0:
        return
    payload = json.dumps(
        {
            "organization_id": str(integration.organization_id),
            "credentials_version": integration.credentials_version,
            "username": fresh.username,
            "password": fresh.password,
            "registry": fresh.registry,
            "expires_at": fresh.expires_at.isoformat(),
        }
    ).encode()
    cache.set(
        pull_cache_key(integration.pk),
        crypto.encrypt(payload, associated_data=_associated_data(integration.pk)),
        timeout=int(ttl),
    )


def _track(integration: Integration, fresh: PullCredentials) -> None:
    """List the cached entry for the worker's refresh ahead of expiry."""
    cached_until = _cached_until(fresh)
    if cached_until <= datetime.now(UTC):
        return
    listed = CachedPullCredentials(
        integration_id=integration.pk,
        credentials_version=integration.credentials_version,
        cached_until=cached_until,
    )
    try:
        # One INSERT ... ON CONFLICT UPDATE; a savepoint only inside a caller's transaction.
        with (
            transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()
        ):
            CachedPullCredentials.objects.bulk_create(
                [listed],
                update_conflicts=True,
                unique_fields=["integration"],
                update_fields=["credentials_version", "cached_until"],
            )
    except IntegrityError:
        pass  # the integration was deleted meanwhile: nothing to refresh


def purge_pull_credentials(integration: Integration) -> None:
    cache.delete(pull_cache_key(integration.pk))
