"""Writes with side effects. Views, the admin, the API and commands all come through here."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from integrations_site.organizations.models import Organization

from .forms import NAME_TAKEN
from .models import Integration
from .providers import Provider


def _apply_credentials(integration: Integration, provider: Provider, credentials: dict) -> None:
    display = provider.display(credentials)
    integration.account = display.account
    integration.region = display.region
    integration.key_hint = display.key_hint
    integration.credentials = provider.credentials(credentials)


def _save_unique(integration: Integration, **save_kwargs) -> None:
    """Save; a name taken meanwhile (a race past the form's check) becomes a field error."""
    try:
        with transaction.atomic():  # a savepoint keeps an outer transaction usable
            integration.save(**save_kwargs)
    except IntegrityError:
        taken = Integration.objects.filter(
            organization_id=integration.organization_id, name__iexact=integration.name
        ).exclude(pk=integration.pk)
        if taken.exists():
            raise ValidationError(
                {"name": ValidationError(NAME_TAKEN, code="name_taken")}
            ) from None
        raise


@sensitive_variables()
@transaction.atomic
def integration_create(
    *,
    organization: Organization,
    created_by: AbstractBaseUser | None,
    name: str,
    provider: Provider,
    credentials: dict,
) -> Integration:
    """Create an integration from validated provider fields; the credentials are encrypted."""
    integration = Integration(
        organization=organization,
        name=name,
        type=provider.integration_type,
        provider=provider.key,
        metadata=provider.metadata(),
        created_by=created_by,
    )
    _apply_credentials(integration, provider, credentials)
    _save_unique(integration, force_insert=True)
    return integration


@sensitive_variables()
@transaction.atomic
def integration_update(
    *,
    integration: Integration,
    name: str | None = None,
    provider: Provider | None = None,
    credentials: dict | None = None,
) -> Integration:
    """Rename and/or replace credentials (validated by the caller), re-encrypted on save."""
    if name is not None:
        integration.name = name
    if credentials is not None:
        if provider is None:
            raise ValueError("Replacing credentials needs their provider.")
        integration.provider = provider.key
        integration.type = provider.integration_type
        integration.metadata = {**integration.metadata, **provider.metadata()}
        _apply_credentials(integration, provider, credentials)
    _save_unique(integration)
    return integration


@transaction.atomic
def integration_delete(*, integration: Integration) -> None:
    """Delete an integration and its ciphertext. Access through it ends with the row."""
    Integration.objects.filter(pk=integration.pk).delete()
