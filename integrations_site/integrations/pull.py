"""Registry pull credentials, minted by the provider and cached until shortly before expiry.

The cache key carries the integration id and its credentials version, so replaced credentials
never serve an old token; update and delete also purge the entry at once. The cached password
is sealed with the integration key ring, so a shared cache (e.g. Redis) holds no usable token."""

import json
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.views.decorators.debug import sensitive_variables

from integrations_site.encryption import crypto

from . import metrics
from .models import Integration
from .providers import PullCredentials, get_provider

REFRESH_BEFORE_EXPIRY = timedelta(minutes=30)


def _cache_key(integration: Integration) -> str:
    return f"pull-credentials:{integration.pk}:{integration.credentials_version}"


def _associated_data(integration: Integration) -> bytes:
    return f"pull-cache:{integration.pk}:{integration.credentials_version}".encode()


@sensitive_variables()
def pull_credentials(integration: Integration) -> PullCredentials:
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
    provider = get_provider(integration.provider)
    if provider is None:
        raise LookupError(f"Unknown provider {integration.provider!r}.")
    metrics.pull_cache_used(hit=False)
    fresh = provider.mint_pull_credentials(integration.credentials)
    ttl = (fresh.expires_at - datetime.now(UTC) - REFRESH_BEFORE_EXPIRY).total_seconds()
    if ttl > 0:
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
    return fresh


def purge_pull_credentials(integration: Integration) -> None:
    cache.delete(_cache_key(integration))
