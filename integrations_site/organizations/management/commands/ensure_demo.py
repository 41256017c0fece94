import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from integrations_site.organizations.models import Membership, Organization
from integrations_site.organizations.services import membership_set, organization_create

DEMO_ORGANIZATION = "Demo Organization"


class Command(BaseCommand):
    help = "For local development: create the demo organization and admin login if absent."

    def handle(self, *args, **options) -> None:
        username = os.environ.get("DEMO_USERNAME", "demo")
        password = os.environ.get("DEMO_PASSWORD", "")
        if not password:
            raise CommandError("Set DEMO_PASSWORD (make run writes one into .env).")
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username, password=password, is_staff=True, is_superuser=True
            )
        organization = Organization.objects.filter(name=DEMO_ORGANIZATION).first()
        if organization is None:
            organization = organization_create(name=DEMO_ORGANIZATION, admin=user)
        elif not Membership.objects.filter(user=user, organization=organization).exists():
            membership_set(organization=organization, user=user, role=Membership.Role.ADMIN)
        self.stdout.write(f"Organization: {organization.name} ({organization.pk})")
        if user.check_password(password):
            self.stdout.write(f"Login: username {username!r}, password {password!r} (from .env)")
        else:
            self.stdout.write(f"Login: username {username!r} (its password was changed since)")
