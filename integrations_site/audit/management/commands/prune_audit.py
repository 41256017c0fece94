from django.conf import settings
from django.core.management.base import BaseCommand

from integrations_site.audit import messages
from integrations_site.audit.services import audit_prune


class Command(BaseCommand):
    help = (
        "Delete audit events older than AUDIT_RETENTION_DAYS (or --days). Each chain keeps the "
        "hash of its last pruned event as its anchor, so verify_audit still checks the rest."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, days: int | None, **options) -> None:
        days = days if days is not None else settings.AUDIT_RETENTION_DAYS
        count = audit_prune(older_than_days=days)
        self.stdout.write(messages.PRUNED.format(count=count, days=days))
