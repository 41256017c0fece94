from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from integrations_site.organizations.models import Membership, Organization
from integrations_site.organizations.services import (
    LastAdmin,
    member_add,
    member_role_change,
    member_user_find,
)


class Command(BaseCommand):
    help = (
        "Add an existing user (username or e-mail) to an organization (name or id), or change "
        "the role of one who is a member already. Recorded in the audit trail."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("organization", metavar="ORG")
        parser.add_argument("user", metavar="USER")
        parser.add_argument("--role", choices=Membership.Role.values, default="member")

    def handle(self, *args, organization: str, user: str, role: str, **options) -> None:
        found = Organization.objects.filter(name=organization).first()
        if found is None:
            try:
                found = Organization.objects.filter(pk=organization).first()
            except ValidationError:
                found = None
        if found is None:
            raise CommandError(f"No organization named {organization!r}.")
        try:
            member = member_user_find(user)
        except ValidationError as error:
            raise CommandError(" ".join(error.message_dict["user"])) from None
        existing = Membership.objects.filter(organization=found, user=member).first()
        try:
            if existing is None:
                member_add(organization=found, user=member, role=role)
                self.stdout.write(f"Added {member.get_username()!r} to {found.name!r} as {role}.")
            else:
                member_role_change(membership=existing, role=role)
                self.stdout.write(f"{member.get_username()!r} is now {role} in {found.name!r}.")
        except LastAdmin as error:
            raise CommandError(str(error)) from None
