"""Writes with side effects. Views, the admin, commands and the API all come through here."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from integrations_site.organizations.models import Organization

from .forms import NAME_TAKEN
from .models import Integration
from .providers import Provider


@sensitive_variables()
def integration_create(
    *,
    organization: Organization,
    created_by: AbstractBaseUser | None,
    name: str,
    provider: Provider,
    credentials: dict,
) -> Integration:
    """Create an integration from validated provider fields; the credentials are encrypted."""
    display = provider.display(credentials)
    integration = Integration(
        organization=organization,
        name=name,
        type=provider.integration_type,
        provider=provider.key,
        metadata=provider.metadata(),
        account=display.account,
        region=display.region,
        key_hint=display.key_hint,
        created_by=created_by,
    )
    integration.credentials = provider.credentials(credentials)
    try:
        # A savepoint, so a name race surfaces as a field error, not a broken transaction.
        with transaction.atomic():
            integration.save(force_insert=True)
    except IntegrityError as error:
        if Integration.objects.filter(organization=organization, name__iexact=name).exists():
            raise ValidationError({"name": NAME_TAKEN}) from None
        raise error
    return integration


@transaction.atomic
def integration_delete(*, integration: Integration) -> None:
    """Delete an integration and its ciphertext. Access through it ends with the row."""
    Integration.objects.filter(pk=integration.pk).delete()
