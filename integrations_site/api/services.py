import uuid
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from integrations_site import audit
from integrations_site.organizations.models import Organization

from .jwt_tokens import KIND_RUNTIME, KIND_USER, token_encode
from .models import JWT_HINT_LENGTH, ApiToken, hash_token

# Every token expires (the platform's SDK reads `exp` before each request); one year unless
# asked otherwise.
DEFAULT_EXPIRY_DAYS = 365


def _new_token(
    *,
    user: AbstractBaseUser | None = None,
    organization: Organization | None = None,
    expires_in_days: int | None,
    **fields,
) -> tuple[ApiToken, str]:
    token_id = uuid.uuid4()
    issued_at = timezone.now()
    expires_at = issued_at + timedelta(days=expires_in_days or DEFAULT_EXPIRY_DAYS)
    if user is not None:
        identity = {"subject": str(user.pk), "email": user.email or None, "kind": KIND_USER}
    else:
        identity = {
            "subject": f"runtime:{token_id}",
            "email": None,
            "kind": KIND_RUNTIME,
            "organization_id": str(organization.pk),
        }
    raw = token_encode(
        token_id=str(token_id), issued_at=issued_at, expires_at=expires_at, **identity
    )
    token = ApiToken.objects.create(
        id=token_id,
        user=user,
        organization=organization,
        hint=raw[-JWT_HINT_LENGTH:],
        token_hash=hash_token(raw),
        expires_at=expires_at,
        **fields,
    )
    audit.record(action="token.create", target=token, details={"kind": identity["kind"]})
    return token, raw


@transaction.atomic
def api_token_create(
    *, user: AbstractBaseUser, name: str, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a personal API token (a signed JWT naming the user). The raw token is returned
    once and never stored."""
    return _new_token(user=user, created_by=user, name=name, expires_in_days=expires_in_days)


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
        expires_in_days=expires_in_days,
    )


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke at once: the save purges the cached row too (models.token_forget, on save)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(action="token.revoke", target=token)
    return token
