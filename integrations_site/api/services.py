import secrets
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from integrations_site.organizations.models import Organization

from .models import TOKEN_PREFIX, ApiToken, hash_token


def _new_token(**fields) -> tuple[ApiToken, str]:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        hint=raw[: len(TOKEN_PREFIX) + 6], token_hash=hash_token(raw), **fields
    )
    return token, raw


def _expiry(days: int | None):
    return timezone.now() + timedelta(days=days) if days else None


@transaction.atomic
def api_token_create(
    *, user: AbstractBaseUser, name: str, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a personal API token. The raw token is returned once and never stored."""
    return _new_token(user=user, created_by=user, name=name, expires_at=_expiry(expires_in_days))


@transaction.atomic
def runtime_token_create(
    *,
    organization: Organization,
    created_by: AbstractBaseUser | None,
    name: str,
    expires_in_days: int | None = None,
) -> tuple[ApiToken, str]:
    """Create an organization's runtime token (the caller checked the admin role). It may only
    fetch the organization's pull credentials. Returned once, never stored."""
    return _new_token(
        organization=organization,
        created_by=created_by,
        name=name,
        expires_at=_expiry(expires_in_days),
    )


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
