from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from .models import Membership, Organization


@transaction.atomic
def organization_create(*, name: str, admin: AbstractBaseUser) -> Organization:
    organization = Organization.objects.create(name=name)
    Membership.objects.create(user=admin, organization=organization, role=Membership.Role.ADMIN)
    return organization


@transaction.atomic
def membership_set(*, organization: Organization, user: AbstractBaseUser, role: str) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    return membership
