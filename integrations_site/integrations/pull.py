"""Registry pull credentials, minted by the provider and cached until shortly before expiry.

The cache key carries the integration id and its credentials version, so replaced credentials
never serve an old token; update and delete also purge the entry at once. The cached password
is sealed with the integration key ring, so a shared cache (e.g. Redis) holds no usable token.

Each cached entry is listed in CachedPullCredentials; the worker mints it anew shortly before
it runs out (`refresh_pull_credentials`, integrations/tasks.py), so pulls don't wait on AWS."""

import json
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from integrations_site.encryption import crypto

from . import metrics
from .models import CachedPullCredentials, Integration
from .providers import PullCredentials, get_provider

REFRESH_BEFORE_EXPIRY = timedelta(minutes=30)


def _cache_key(integration: Integration) -> str:
    return f"pull-credentials:{integration.pk}:{integration.credentials_version}"


def _associated_data(integration: Integration) -> bytes:
    return f"pull-cache:{integration.pk}:{integration.credentials_version}".encode()


@sensitive_variables()
def pull_credentials(
    integration: Integration, *, minted: list[tuple[Integration, PullCredentials]] | None = None
) -> PullCredentials:
    """The integration's pull credentials, from the cache or minted now. A fresh mint is
    listed for the worker's refresh (a database write); a caller running in a thread of its
    own passes `minted` instead, and lists them later with `track_minted` from the request's
    thread (threads here never touch the database)."""
    key = _cache_key(integration)
    sealed = cache.get(key)
    if sealed is not None:
        try:
            data = json.loads(
                crypto.decrypt(sealed, associated_data=_associated_data(integration), where=key)
            )
            metrics.pull_cache_used(hit=True)
            return PullCredentials(
                username=data["username"],
                password=data["password"],
                registry=data["registry"],
                expires_at=datetime.fromisoformat(data["expires_at"]),
            )
        except crypto.DecryptionError:
            cache.delete(key)  # e.g. the key ring changed: mint anew
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
    key = _cache_key(integration)
    ttl = (_cached_until(fresh) - datetime.now(UTC)).total_seconds()
    if ttl <= 0:
        return
    payload = json.dumps(
        {
            "username": fresh.username,
            "password": fresh.password,
            "registry": fresh.registry,
            "expires_at": fresh.expires_at.isoformat(),
        }
    ).encode()
    cache.set(
        key,
        crypto.encrypt(payload, associated_data=_associated_data(integration)),
        timeout=int(ttl),
    )


def _track(integration: Integration, fresh: PullCredentials) -> None:
    """List the cached entry for the worker's refresh ahead of expiry."""
    cached_until = _cached_until(fresh)
    if cached_until <= datetime.now(UTC):
        return
    try:
        with transaction.atomic():
            CachedPullCredentials.objects.update_or_create(
                integration_id=integration.pk,
                defaults={
                    "credentials_version": integration.credentials_version,
                    "cached_until": cached_until,
                },
            )
    except IntegrityError:
        pass  # the integration was deleted meanwhile: nothing to refresh


def purge_pull_credentials(integration: Integration) -> None:
    cache.delete(_cache_key(integration))
