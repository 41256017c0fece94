"""Writes of organizations and their members. Every change of a membership is an audit event
in the same transaction; a refused one is recorded as a failure after its rollback."""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from integrations_site import audit

from . import messages
from .models import Membership, Organization


class LastAdmin(Exception):
    """The change would leave the organization without an admin."""


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


def member_user_find(identifier: str) -> AbstractBaseUser:
    """The user named by username or e-mail; ValidationError on "user" if none or several."""
    identifier = identifier.strip()
    active = get_user_model().objects.filter(is_active=True)
    user = active.filter(username=identifier).first() if identifier else None
    if user is not None:
        return user
    users = list(active.filter(email__iexact=identifier)[:2]) if identifier else []
    if not users:
        raise ValidationError({"user": ValidationError(messages.NO_SUCH_USER, code="no_user")})
    if len(users) > 1:
        raise ValidationError({"user": ValidationError(messages.SEVERAL_USERS, code="ambiguous")})
    return users[0]


def _record(action: str, membership: Membership, outcome: str = audit.SUCCESS, **details):
    audit.record(
        action=action,
        organization_id=membership.organization_id,
        target_type="user",
        target_id=membership.user_id,
        target_name=membership.user.get_username(),
        outcome=outcome,
        details=details,
    )


def _lock(organization: Organization) -> None:
    # One membership change per organization at a time: the admin count read below then
    # holds until the commit (two admins demoting each other can't both succeed).
    Organization.objects.select_for_update().filter(pk=organization.pk).exists()


def _other_admins(membership: Membership) -> bool:
    admins = Membership.objects.filter(
        organization_id=membership.organization_id, role=Membership.Role.ADMIN
    )
    return admins.exclude(pk=membership.pk).exists()


def _current(membership: Membership) -> Membership:
    """The membership as it is now, locked; Http404 if it was removed meanwhile."""
    found = Membership.objects.filter(pk=membership.pk).select_related("user").first()
    if found is None:
        raise Http404(messages.NOT_A_MEMBER)
    return found


@transaction.atomic
def member_add(*, organization: Organization, user: AbstractBaseUser, role: str) -> Membership:
    _lock(organization)
    if Membership.objects.filter(organization=organization, user=user).exists():
        raise ValidationError({"user": ValidationError(messages.ALREADY_MEMBER, code="member")})
    membership = Membership.objects.create(organization=organization, user=user, role=role)
    _record("member.add", membership, role=role)
    return membership


@transaction.atomic
def _member_role_change(*, membership: Membership, role: str) -> Membership:
    _lock(membership.organization)
    current = _current(membership)
    if current.role == role:
        return current
    if current.is_admin and not _other_admins(current):
        raise LastAdmin(messages.LAST_ADMIN)
    previous, current.role = current.role, role
    current.save(update_fields=["role"])
    _record("member.role_change", current, role=role, previous_role=previous)
    return current


def member_role_change(*, membership: Membership, role: str) -> Membership:
    """Make a member admin or member; the last admin can't be demoted (LastAdmin)."""
    if role not in Membership.Role.values:
        raise ValidationError({"role": ValidationError(messages.BAD_ROLE, code="invalid")})
    try:
        return _member_role_change(membership=membership, role=role)
    except LastAdmin:
        _record("member.role_change", membership, audit.FAILURE, role=role, reason="last admin")
        raise


@transaction.atomic
def _member_remove(*, membership: Membership) -> None:
    _lock(membership.organization)
    current = _current(membership)
    if current.is_admin and not _other_admins(current):
        raise LastAdmin(messages.LAST_ADMIN)
    current.delete()
    _record("member.remove", current, role=current.role)


def member_remove(*, membership: Membership) -> None:
    """Remove a member (their personal tokens no longer reach the organization); the last
    admin can't be removed (LastAdmin)."""
    try:
        _member_remove(membership=membership)
    except LastAdmin:
        _record("member.remove", membership, audit.FAILURE, reason="last admin")
        raise
