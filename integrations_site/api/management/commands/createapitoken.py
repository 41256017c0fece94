from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from integrations_site.api.services import api_token_create, runtime_token_create
from integrations_site.organizations.models import Membership, Organization


class Command(BaseCommand):
    help = (
        "Create a personal API token for a user, or with --runtime ORG a runtime token of an "
        "organization that USER administers; prints the token as the last line."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")
        parser.add_argument(
            "--runtime",
            metavar="ORGANIZATION",
            help="Create the organization's runtime token instead (it may only fetch registry "
            "pull credentials, e.g. for the kubelet credential provider). USER must be an "
            "admin of it.",
        )
        parser.add_argument("--expires-in-days", type=int, default=None)

    def handle(self, *args, username: str, name: str, runtime: str | None, **options) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        days = options["expires_in_days"]
        if runtime:
            organization = Organization.objects.filter(name=runtime).first()
            if organization is None:
                raise CommandError(f"No organization named {runtime!r}.")
            is_admin = Membership.objects.filter(
                user=user, organization=organization, role=Membership.Role.ADMIN
            ).exists()
            if not is_admin:
                raise CommandError(f"{username!r} is not an admin of {runtime!r}.")
            token, raw = runtime_token_create(
                organization=organization, created_by=user, name=name, expires_in_days=days
            )
            owner = f"organization {runtime!r}"
        else:
            token, raw = api_token_create(user=user, name=name, expires_in_days=days)
            owner = repr(username)
        self.stdout.write(f"Created API token {token.name!r} for {owner}. It is shown once:")
        self.stdout.write(raw)
