"""Writes with side effects. Views, the API and the admin all come through here."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from integrations_site import audit
from integrations_site.integrations.models import Integration, IntegrationType
from integrations_site.organizations.models import Organization

from .messages import INTEGRATION_MISSING, NAME_TAKEN, REGISTRY_REFUSED
from .models import StorageDriver


@transaction.atomic
def storage_driver_create(
    *,
    organization: Organization,
    created_by: AbstractBaseUser | None,
    name: str,
    integration: Integration,
    bucket: str,
    path: str = "",
    region: str = "",
) -> StorageDriver:
    """Create a driver from validated fields (the caller has checked the bucket).

    The integration is locked for the insert, so it can't be deleted meanwhile, and must be a
    storage integration of the same organization: this holds whoever calls."""
    locked = (
        Integration.objects.select_for_update()
        .for_organization(organization)
        .filter(pk=integration.pk)
        .only("id", "type")
        .first()
    )
    if locked is None:
        raise ValidationError({"integration": ValidationError(INTEGRATION_MISSING, code="invalid")})
    if locked.type != IntegrationType.S3:
        raise ValidationError(
            {"integration": ValidationError(REGISTRY_REFUSED, code="registry_integration")}
        )
    driver = StorageDriver(
        organization=organization,
        name=name,
        integration=integration,
        bucket=bucket,
        path=path,
        region=region,
        created_by=created_by,
    )
    try:
        with transaction.atomic():  # a savepoint keeps an outer transaction usable
            driver.save(force_insert=True)
    except IntegrityError:
        # A name taken meanwhile (a race past the form's check) becomes a field error.
        taken = StorageDriver.objects.for_organization(organization).filter(name__iexact=name)
        if taken.exists():
            raise ValidationError(
                {"name": ValidationError(NAME_TAKEN, code="name_taken")}
            ) from None
        raise
    audit.record(action="storagedriver.create", target=driver, details={"bucket": bucket})
    return driver


@transaction.atomic
def storage_driver_delete(*, driver: StorageDriver) -> None:
    """Delete the driver. The bucket and its objects are not touched."""
    StorageDriver.objects.filter(pk=driver.pk).delete()
    audit.record(action="storagedriver.delete", target=driver)
