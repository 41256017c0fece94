from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from integrations_site.organizations.models import Organization
from integrations_site.organizations.services import organization_create


class Command(BaseCommand):
    help = "Create an organization with an existing user as its admin; prints the id last."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")
        parser.add_argument("--admin", required=True, metavar="USERNAME")

    def handle(self, *args, name: str, admin: str, **options) -> None:
        name = name.strip()
        if not name:
            raise CommandError("The organization name must not be empty.")
        user = get_user_model().objects.filter(username=admin).first()
        if user is None:
            raise CommandError(
                f"No user named {admin!r}. Create it first: manage.py createsuperuser"
            )
        if Organization.objects.filter(name__iexact=name).exists():
            raise CommandError(f"An organization named {name!r} already exists.")
        organization = organization_create(name=name, admin=user)
        self.stdout.write(f"Created organization {organization.name!r} with {admin!r} as admin.")
        self.stdout.write(str(organization.pk))
