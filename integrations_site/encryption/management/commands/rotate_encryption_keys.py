from django.core.management.base import BaseCommand

from integrations_site.encryption.rotation import rotate_encryption_keys


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret under the first key of INTEGRATIONS_ENCRYPTION_KEYS. "
        "One transaction, in batches; rows already under that key are left as they are."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options) -> None:
        result = rotate_encryption_keys(batch_size=batch_size)
        self.stdout.write(
            f"Re-encrypted {result.reencrypted} secret(s) under key {result.key_id!r}; "
            f"{result.unchanged} already used it."
        )
