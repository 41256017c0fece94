"""Writes with side effects. Views, the admin, the API and commands all come through here.

Checking credentials calls out to the provider, so the checked variants run the check first,
outside any transaction, and then write in a short one."""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from integrations_site import audit
from integrations_site.organizations.models import Organization
from integrations_site.organizations.scoping import not_found_message
from integrations_site.validation import clean_name

from . import hooks, messages, metrics
from .models import Integration, IntegrationStatus
from .providers import CheckResult, Provider, get_provider
from .pull import purge_pull_credentials

NAME_MAX_LENGTH = Integration._meta.get_field("name").max_length


class IntegrationInUse(Exception):
    """Deleting was refused: other objects depend on the integration."""

    def __init__(self, message: str, dependants: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.dependants = dependants


@dataclass(frozen=True)
class CreateOutcome:
    """What a checked create did: `integration` is None when a failing check stopped it."""

    check: CheckResult
    integration: Integration | None


def integration_name_clean(
    *, organization: Organization, name: str, exclude: Integration | None = None
) -> str:
    """The name as stored, or a ValidationError on "name": not a valid name (validation.py)
    or taken (names are unique per organization, ignoring case). The one place that rule is
    written."""
    try:
        name = clean_name(name, max_length=NAME_MAX_LENGTH)
    except ValidationError as error:
        raise ValidationError({"name": error}) from None
    taken = Integration.objects.for_organization(organization).filter(name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError({"name": ValidationError(messages.NAME_TAKEN, code="name_taken")})
    return name


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
    if display.metadata:
        integration.metadata = {**integration.metadata, **display.metadata}
    integration.credentials = provider.credentials(credentials)


def _forget_cached(integration: Integration) -> None:
    """Let the provider drop what it cached for the integration (e.g. role sessions); it
    may need the stored credentials, so this runs while the row still holds them."""
    provider = get_provider(integration.provider)
    if provider is None:
        return
    try:
        provider.forget(integration)
    except Integration.DoesNotExist:
        raise Http404(not_found_message(Integration)) from None


def _lock_or_404(integration: Integration) -> None:
    """Lock the row until the transaction ends, or Http404 if it was deleted since it was
    read: a save would then fail ("did not affect any rows") or, without update_fields,
    silently insert the deleted integration again."""
    if not Integration.objects.select_for_update().filter(pk=integration.pk).exists():
        raise Http404(not_found_message(Integration))


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
                {"name": ValidationError(messages.NAME_TAKEN, code="name_taken")}
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
    audit.record(
        action="integration.create", target=integration, details={"status": integration.status}
    )
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
    _lock_or_404(integration)
    if name is not None:
        integration.name = name
    if credentials is not None:
        if provider is None:
            raise ValueError("Replacing credentials needs their provider.")
        integration.provider = provider.key
        integration.type = provider.integration_type
        integration.metadata = {**integration.metadata, **provider.metadata()}
        purge_pull_credentials(integration)
        _forget_cached(integration)
        _apply_credentials(integration, provider, credentials)
        integration.credentials_version += 1
        _apply_check(integration, check)
    _save_unique(integration)
    audit.record(
        action="integration.update",
        target=integration,
        details={"fields": [*(["name"] if name is not None else []), *sorted(credentials or {})]},
    )
    return integration


@sensitive_variables()
def integration_create_checked(
    *,
    organization: Organization,
    created_by: AbstractBaseUser | None,
    name: str,
    provider: Provider,
    credentials: dict,
    repository: str = "",
    create_on_failure: bool = True,
) -> CreateOutcome:
    """Check the credentials, then create. A failing check (not an unreachable provider)
    stops here unless `create_on_failure`: the web form then offers "Create anyway", while
    the API creates with status "failed", since the SDK is how users fix credentials."""
    name = integration_name_clean(organization=organization, name=name)
    result = provider.check(credentials, repository=repository)
    metrics.check_recorded(provider=provider.key, result=result)
    if not result.ok and not result.unreachable and not create_on_failure:
        audit.record(
            action="integration.create",
            outcome=audit.FAILURE,
            organization_id=organization.pk,
            target_type="integration",
            target_name=name,
            details={"status": "failed"},
        )
        return CreateOutcome(check=result, integration=None)
    integration = integration_create(
        organization=organization,
        created_by=created_by,
        name=name,
        provider=provider,
        credentials=credentials,
        check=result,
    )
    return CreateOutcome(check=result, integration=integration)


@sensitive_variables()
def integration_update_checked(
    *,
    integration: Integration,
    name: str | None = None,
    provider: Provider | None = None,
    credentials: dict | None = None,
    reload_services: bool = False,
    user: AbstractBaseUser | None = None,
) -> Integration:
    """Rename and/or replace credentials (checked first, recorded as the status). With
    `reload_services`, whatever uses the registry is told to use the new credentials now."""
    if name is not None:
        name = integration_name_clean(
            organization=integration.organization, name=name, exclude=integration
        )
    if provider is not None and credentials is not None and provider.key == integration.provider:
        try:
            previous = integration.credentials  # often deferred: read now, and it may be gone
        except Integration.DoesNotExist:
            raise Http404(not_found_message(Integration)) from None
        credentials = provider.keep_on_replace(previous, credentials)
    check = provider.check(credentials) if provider and credentials is not None else None
    if check is not None:
        metrics.check_recorded(provider=provider.key, result=check)
    integration = integration_update(
        integration=integration, name=name, provider=provider, credentials=credentials, check=check
    )
    if reload_services:
        registry = integration.registry_host
        if registry:
            hooks.registry_credentials_reload(
                organization=integration.organization, registry=registry, user=user
            )
    return integration


@transaction.atomic
def integration_record_check(*, integration: Integration, result: CheckResult) -> Integration:
    _lock_or_404(integration)
    _apply_check(integration, result)
    integration.save(update_fields=["status", "status_reason", "checked_at", "updated_at"])
    audit.record(
        action="integration.check",
        target=integration,
        outcome=audit.SUCCESS if result.ok else audit.FAILURE,
        details={"status": integration.status},
    )
    return integration


def integration_registry_dependants(*, integration: Integration) -> dict[str, list]:
    """What would lose access to the integration's registry (shown before deleting)."""
    registry = integration.registry_host
    if not registry:
        return {}
    return hooks.registry_dependants(organization=integration.organization, registry=registry)


@sensitive_variables()
def integration_check(*, integration: Integration, repository: str = "") -> CheckResult:
    """Check the stored credentials now (network, outside any transaction) and record it."""
    provider = get_provider(integration.provider)
    if provider is None:
        raise LookupError(f"Unknown provider {integration.provider!r}.")
    try:
        credentials = integration.credentials  # often deferred: read now, and it may be gone
    except Integration.DoesNotExist:
        raise Http404(not_found_message(Integration)) from None
    result = provider.check(credentials, repository=repository)
    metrics.check_recorded(provider=provider.key, result=result)
    integration_record_check(integration=integration, result=result)
    return result


@audit.failures_recorded(IntegrationInUse, action="integration.delete", target="integration")
@transaction.atomic
def integration_delete(*, integration: Integration) -> None:
    """Delete an integration and its ciphertext. Access through it ends with the row, and
    cached pull credentials are purged at once.

    Objects that must not outlive it (storage drivers) restrict it: deleting is then refused
    with their names. (Deleting the whole organization still cascades to both.)"""
    registry = integration.registry_host
    _forget_cached(integration)
    try:
        with transaction.atomic():
            deleted, _ = Integration.objects.filter(pk=integration.pk).delete()
            if not deleted:  # a concurrent delete came first; its hooks ran there
                raise Http404(not_found_message(Integration))
            # Another integration may serve the same registry; then nothing loses access.
            if (
                registry
                and Integration.objects.for_organization(integration.organization).serving_registry(
                    registry
                )
                is None
            ):
                hooks.registry_access_lost(
                    organization=integration.organization,
                    registry=registry,
                    integration_name=integration.name,
                )
            # Last: the audit chain's lock is always taken after the rows a change locks
            # (services, nodes), in every transaction, so two of them never wait on each other.
            audit.record(action="integration.delete", target=integration)
    except (ProtectedError, RestrictedError) as error:
        blocking = getattr(error, "protected_objects", None) or error.restricted_objects
        names = sorted(str(obj) for obj in blocking)
        raise IntegrationInUse(messages.in_use(integration.name, names), names) from None
    # Purge now, and again at commit: a pull that ran meanwhile can't leave a token behind.
    purge_pull_credentials(integration)
    transaction.on_commit(lambda: purge_pull_credentials(integration))
