import uuid

from django.core.management.base import BaseCommand, CommandError

from integrations_site.audit.models import SITE_CHAIN, AuditEvent
from integrations_site.audit.services import audit_seal, json_lines


class Command(BaseCommand):
    help = (
        "Write audit events as JSON lines (one event per line, oldest first) for a SIEM: "
        "one organization's (--org), the site-wide ones (--site) or all. --after-sequence N "
        "continues a chain after the last event already shipped."
    )

    def add_arguments(self, parser) -> None:
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--org", metavar="ORGANIZATION_ID")
        scope.add_argument("--site", action="store_true", help="sign-ins, tokens, key rotation")
        parser.add_argument("--after-sequence", type=int, default=0)
        parser.add_argument("--output", "-o", default="-", help="a file, or - for stdout")

    def handle(self, *args, org, site, after_sequence, output, **options) -> None:
        events = AuditEvent.objects.all()
        chain = None
        if org:
            try:
                chain = uuid.UUID(org)
            except ValueError:
                raise CommandError(f"{org!r} is not an organization id.") from None
        elif site:
            chain = SITE_CHAIN
        if chain is not None:
            events = events.filter(chain=chain)
        audit_seal(chain=chain)  # every event shipped has its place in the chain
        if after_sequence:
            if not (org or site):
                raise CommandError("--after-sequence needs --org or --site (one chain).")
            events = events.filter(sequence__gt=after_sequence)
        events = events.order_by("chain", "sequence")
        if output == "-":
            for line in json_lines(events):
                self.stdout.write(line, ending="")
            return
        with open(output, "w", encoding="utf-8") as stream:
            stream.writelines(json_lines(events))
