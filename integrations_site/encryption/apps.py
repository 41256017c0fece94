from django.apps import AppConfig


class EncryptionConfig(AppConfig):
    """Secrets at rest: the key ring, the encrypted model field and key rotation.

    Knows nothing about integrations; any model may use ``EncryptedJSONField``."""

    name = "integrations_site.encryption"
    label = "encryption"

    def ready(self) -> None:
        from django.core import checks

        from .checks import check_key_ring

        checks.register(check_key_ring, "encryption")  # check --tag encryption
