from django.core.management.base import BaseCommand, CommandError

from integrations_site.audit import messages
from integrations_site.audit.models import AuditChain
from integrations_site.audit.services import audit_seal, verify_all


class Command(BaseCommand):
    help = (
        "Walk every audit hash chain (one per organization, one site-wide) and name the first "
        "broken link of each; exits with status 1 if any is broken."
    )

    def handle(self, *args, **options) -> None:
        sealed = audit_seal()  # reads recorded outside the chain are linked first
        if sealed:
            self.stdout.write(messages.SEALED.format(count=sealed))
        broken = verify_all()
        if broken:
            raise CommandError(
                "\n".join(messages.CHAIN_BROKEN.format(link=link) for link in broken)
            )
        self.stdout.write(messages.CHAIN_INTACT.format(chains=AuditChain.objects.count()))
