"""Writes with side effects. Views, the admin, the API and commands all come through here."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from integrations_site.deployments.services import registry_access_revoke
from integrations_site.organizations.models import Organization

from .aws import CheckResult
from .forms import NAME_TAKEN
from .images import registry_integration_for
from .models import Integration, IntegrationStatus
from .providers import Provider, get_provider
from .pull import purge_pull_credentials


class IntegrationInUse(Exception):
    """Deleting was refused: other objects depend on the integration."""

    def __init__(self, message: str, dependants: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.dependants = dependants


def _apply_check(integration: Integration, result: CheckResult | None) -> None:
    if result is None:
        integration.status, integration.status_reason, integration.checked_at = (
            IntegrationStatus.NOT_VERIFIED,
            "",
            None,
        )
        return
    if result.ok:
        integration.status, integration.status_reason = IntegrationStatus.VERIFIED, ""
    elif result.unreachable:
        integration.status, integration.status_reason = (
            IntegrationStatus.NOT_VERIFIED,
            result.failure,
        )
    else:
        integration.status, integration.status_reason = IntegrationStatus.FAILED, result.failure
    integration.checked_at = timezone.now()


def _apply_credentials(integration: Integration, provider: Provider, credentials: dict) -> None:
    display = provider.display(credentials)
    integration.account = display.account
    integration.region = display.region
    integration.key_hint = display.key_hint
    integration.registry = display.registry
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
    check: CheckResult | None = None,
) -> Integration:
    """Create an integration from validated provider fields; the credentials are encrypted.

    `check` is the result of checking these credentials (already run by the caller, outside
    the transaction); it sets the status shown in the list."""
    integration = Integration(
        organization=organization,
        name=name,
        type=provider.integration_type,
        provider=provider.key,
        metadata=provider.metadata(),
        created_by=created_by,
    )
    _apply_credentials(integration, provider, credentials)
    _apply_check(integration, check)
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
    check: CheckResult | None = None,
) -> Integration:
    """Rename and/or replace credentials (validated by the caller), re-encrypted on save.

    New credentials get a new credentials version, so cached pull credentials of the old ones
    are never served again; they are purged too."""
    if name is not None:
        integration.name = name
    if credentials is not None:
        if provider is None:
            raise ValueError("Replacing credentials needs their provider.")
        integration.provider = provider.key
        integration.type = provider.integration_type
        integration.metadata = {**integration.metadata, **provider.metadata()}
        purge_pull_credentials(integration)
        _apply_credentials(integration, provider, credentials)
        integration.credentials_version += 1
        _apply_check(integration, check)
    _save_unique(integration)
    return integration


@transaction.atomic
def integration_record_check(*, integration: Integration, result: CheckResult) -> Integration:
    _apply_check(integration, result)
    integration.save(update_fields=["status", "status_reason", "checked_at", "updated_at"])
    return integration


def integration_check(*, integration: Integration, repository: str = "") -> CheckResult:
    """Check the stored credentials now (network, outside any transaction) and record it."""
    provider = get_provider(integration.provider)
    if provider is None:
        raise LookupError(f"Unknown provider {integration.provider!r}.")
    result = provider.check(integration.credentials, repository=repository)
    integration_record_check(integration=integration, result=result)
    return result


@transaction.atomic
def integration_delete(*, integration: Integration) -> None:
    """Delete an integration and its ciphertext. Access through it ends with the row, and
    cached pull credentials are purged at once.

    Objects that must not outlive it (storage drivers) restrict it: deleting is then refused
    with their names. (Deleting the whole organization still cascades to both.)"""
    provider = get_provider(integration.provider)
    registry = provider.registry_host(integration) if provider else ""
    try:
        with transaction.atomic():
            Integration.objects.filter(pk=integration.pk).delete()
            # Another integration may serve the same registry; then nothing loses access.
            if registry and registry_integration_for(integration.organization, registry) is None:
                registry_access_revoke(
                    organization=integration.organization,
                    registry=registry,
                    integration_name=integration.name,
                )
    except (ProtectedError, RestrictedError) as error:
        blocking = getattr(error, "protected_objects", None) or error.restricted_objects
        names = sorted(str(obj) for obj in blocking)
        raise IntegrationInUse(
            f"“{integration.name}” is used by storage drivers: {', '.join(names)}. "
            "Delete those drivers first.",
            names,
        ) from None
    # Purge now, and again at commit: a pull that ran meanwhile can't leave a token behind.
    purge_pull_credentials(integration)
    transaction.on_commit(lambda: purge_pull_credentials(integration))
