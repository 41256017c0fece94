import secrets

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .models import TOKEN_PREFIX, ApiToken, hash_token


@transaction.atomic
def api_token_create(
    *, user: AbstractBaseUser, name: str, for_runtime: bool = False
) -> tuple[ApiToken, str]:
    """Create a personal API token. The raw token is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        hint=raw[: len(TOKEN_PREFIX) + 6],
        token_hash=hash_token(raw),
        for_runtime=for_runtime,
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
