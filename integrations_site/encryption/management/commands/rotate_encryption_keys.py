from django.core.management.base import BaseCommand, CommandError

from integrations_site.encryption import crypto, messages
from integrations_site.encryption.rotation import (
    RotationBlocked,
    RotationProgress,
    rotate_encryption_keys,
)

REPORT_ROWS = 50


class RotationRefused(CommandError, crypto.DecryptionError):
    """Exits non-zero with the report (a CommandError); still a DecryptionError for callers."""


class Command(BaseCommand):
    # The key-ring system check would stop this command with a sample of the rows that don't
    # open; the rotation reads every row and reports them all itself.
    requires_system_checks = []
    help = (
        "Re-encrypt every stored secret under the first key of INTEGRATIONS_ENCRYPTION_KEYS. "
        "First checks that every stored secret opens (if one does not, lists them and changes "
        "nothing), then re-encrypts in batches, one short transaction each; rows already under "
        "that key are not read. Safe to stop and run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, verbosity: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            result = rotate_encryption_keys(
                batch_size=batch_size, on_batch=self._progress if verbosity > 1 else None
            )
        except RotationBlocked as blocked:
            lines = [f"{failure.where}: {failure.reason}" for failure in blocked.failures]
            shown, more = lines[:REPORT_ROWS], len(lines[REPORT_ROWS:])
            if blocked.reencrypted:
                raise RotationRefused(
                    messages.rotation_stopped(shown, more, blocked.reencrypted)
                ) from None
            raise RotationRefused(messages.rotation_refused(shown, more)) from None
        except crypto.EncryptionError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Re-encrypted {result.reencrypted} secret(s) under key {result.key_id!r}; "
            f"{result.unchanged} already used it."
        )

    def _progress(self, progress: RotationProgress) -> None:
        self.stdout.write(
            f"{progress.model}.{progress.field}: batch {progress.batch} committed, "
            f"{progress.reencrypted} re-encrypted so far."
        )
