from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from integrations_site.api.services import api_token_create


class Command(BaseCommand):
    help = "Create a personal API token for a user; prints the token as the last line."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")
        parser.add_argument(
            "--runtime",
            action="store_true",
            help="Allow fetching registry pull credentials (for runtimes such as the kubelet "
            "credential provider) without the admin role.",
        )

    def handle(self, *args, username: str, name: str, runtime: bool, **options) -> None:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        token, raw = api_token_create(user=user, name=name, for_runtime=runtime)
        self.stdout.write(f"Created API token {token.name!r} for {username!r}. It is shown once:")
        self.stdout.write(raw)
