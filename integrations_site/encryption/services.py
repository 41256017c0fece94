"""Writes of the encryption app: the key-check value that proves the primary key is right."""

from django.db import transaction

from . import crypto, messages, stored
from .models import KeyCheck

# Key id -> the key object proven, in this process, to open that id's stored key check.
# Compared by identity: a ring re-read with other material under the same id is proven again.
_verified: dict[str, object] = {}


def forget_verified_keys() -> None:
    """Prove the primary key again on the next write (tests; after restoring a database)."""
    _verified.clear()


def key_check_verify_primary() -> None:
    """Raise EncryptionKeyError unless the ring's primary key sealed the stored data.

    Called before any value is sealed, so nothing is ever written under a wrong key. The
    first write under a new key id stores its key-check value, once its stored values (if
    any, e.g. from before key checks existed) have shown that the key opens them."""
    ring = crypto.key_ring()  # unset or malformed: EncryptionKeyError names the cause
    key_id = ring.primary_id
    if _verified.get(key_id) is ring.keys[key_id]:
        return
    with transaction.atomic():
        check = KeyCheck.objects.filter(key_id=key_id).first()
        created = check is None
        if created:
            _refuse_unless_stored_values_open(key_id)
            check, _ = KeyCheck.objects.get_or_create(
                key_id=key_id, defaults={"sealed": crypto.seal_key_check(key_id)}
            )
        if not crypto.key_check_opens(key_id, check.sealed):
            raise crypto.EncryptionKeyError(messages.writes_refused(messages.wrong_key(key_id)))
    if not created:
        # A row created just now goes if the caller's transaction rolls back: prove it again.
        _verified[key_id] = ring.keys[key_id]


def _refuse_unless_stored_values_open(key_id: str) -> None:
    # Any value that opens proves the key (AES-GCM opens nothing under another key); only
    # when all sampled values fail is the key wrong, not a single altered row.
    failed = None
    for model, field in stored.encrypted_fields(migrated_only=True):
        for row, envelope in stored.sample_under(model, field, key_id, limit=stored.SAMPLE_PER_KEY):
            failure = stored.unopenable(field, row, envelope)
            if failure is None:
                return
            failed = failed or failure
    if failed is not None:
        raise crypto.EncryptionKeyError(
            messages.writes_refused(messages.primary_opens_no_stored_value(key_id, failed.where))
        )
