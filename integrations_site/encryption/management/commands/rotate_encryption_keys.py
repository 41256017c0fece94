from django.core.management.base import BaseCommand, CommandError

from integrations_site.encryption import crypto, messages
from integrations_site.encryption.rotation import RotationBlocked, rotate_encryption_keys

REPORT_ROWS = 50


class RotationRefused(CommandError, crypto.DecryptionError):
    """Exits non-zero with the report (a CommandError); still a DecryptionError for callers."""


class Command(BaseCommand):
    # The key-ring system check would stop this command with a sample of the rows that don't
    # open; the rotation reads every row and reports them all itself.
    requires_system_checks = []
    help = (
        "Re-encrypt every stored secret under the first key of INTEGRATIONS_ENCRYPTION_KEYS. "
        "One transaction, in batches; rows already under that key are left as they are. "
        "If any stored secret cannot be opened, lists them and changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options) -> None:
        try:
            result = rotate_encryption_keys(batch_size=batch_size)
        except RotationBlocked as blocked:
            lines = [f"{failure.where}: {failure.reason}" for failure in blocked.failures]
            raise RotationRefused(
                messages.rotation_refused(lines[:REPORT_ROWS], len(lines[REPORT_ROWS:]))
            ) from None
        except crypto.EncryptionError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Re-encrypted {result.reencrypted} secret(s) under key {result.key_id!r}; "
            f"{result.unchanged} already used it."
        )
