"""System check: the key ring is well formed and opens the stored data.

Runs on every `manage.py` command that checks (check, migrate, runserver), so a wrong
INTEGRATIONS_ENCRYPTION_KEYS stops the site before it seals anything under the wrong key.
Registered without the "database" tag, which `check` and runserver would skip; it reads only
a few rows and warns instead of failing when the database cannot be read."""

from django.core.checks import CheckMessage, Error, Warning
from django.db import Error as DatabaseError

from . import crypto, messages, stored
from .models import KeyCheck

RING_INVALID = "encryption.E001"
WRONG_KEY = "encryption.E002"
UNOPENABLE = "encryption.E003"
NOT_CHECKED = "encryption.W001"


def check_key_ring(app_configs=None, **kwargs) -> list[CheckMessage]:
    if app_configs is not None and not any(c.label == "encryption" for c in app_configs):
        return []
    try:
        ring = crypto.key_ring()
    except crypto.EncryptionKeyError as error:
        return [Error(str(error), hint=messages.RING_FORMAT, id=RING_INVALID)]
    try:
        return _wrong_keys(ring) + _unopenable_rows(ring)
    except DatabaseError as error:
        # Unreachable or unreadable: say so, but don't block commands that don't need it.
        return [Warning(f"{messages.DATABASE_UNREACHABLE}: {error}", id=NOT_CHECKED)]


def _wrong_keys(ring: crypto.KeyRing) -> list[CheckMessage]:
    if not stored.table_exists(KeyCheck):
        return []  # before migrate
    return [
        Error(messages.wrong_key(check.key_id), hint=messages.PUT_BACK_THE_KEY, id=WRONG_KEY)
        for check in KeyCheck.objects.filter(key_id__in=list(ring.keys)).order_by("key_id")
        if not crypto.key_check_opens(check.key_id, check.sealed)
    ]


def _unopenable_rows(ring: crypto.KeyRing) -> list[CheckMessage]:
    limit = stored.SAMPLE_PER_KEY
    found: list[stored.Unopenable] = []
    for model, field in stored.encrypted_fields(migrated_only=True):
        samples = stored.sample_outside_ring(model, field, limit=limit)
        for key_id in ring.keys:
            samples += stored.sample_under(model, field, key_id, limit=limit)
        found += filter(None, (stored.unopenable(field, row, env) for row, env in samples))
    return [Error(str(failure), hint=messages.PUT_BACK_THE_KEY, id=UNOPENABLE) for failure in found]
