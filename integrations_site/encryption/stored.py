"""The stored encrypted values of every model, found through the app registry (this app knows
no model that uses its field), and why a stored value does not open."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import connections, models, router

from . import crypto, messages
from .fields import EncryptedJSONField, Sealed

SAMPLE_PER_KEY = 3


@dataclass(frozen=True)
class Unopenable:
    """A stored value the ring cannot open: which row of which field, and why."""

    model: str
    field: str
    pk: object
    reason: str

    @property
    def where(self) -> str:
        return f"{self.model}.{self.field} of row {self.pk}"

    def __str__(self) -> str:
        return messages.unopenable(self.where, self.reason)


def encrypted_fields(
    *, migrated_only: bool = False
) -> Iterator[tuple[type[models.Model], EncryptedJSONField]]:
    """Every encrypted field of every installed model; `migrated_only`: whose table exists
    (checks run before migrate, and a query on a missing table breaks the transaction)."""
    tables: dict[str, set[str]] = {}
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedJSONField)]
        if fields and migrated_only and not table_exists(model, tables):
            continue
        for field in fields:
            yield model, field


def table_exists(model: type[models.Model], cache: dict[str, set[str]] | None = None) -> bool:
    alias = router.db_for_read(model)
    cache = {} if cache is None else cache
    if alias not in cache:
        cache[alias] = set(connections[alias].introspection.table_names())
    return model._meta.db_table in cache[alias]


def unopenable(
    field: EncryptedJSONField, instance: models.Model, envelope: str
) -> Unopenable | None:
    """None when the ring opens the stored value, else why not."""
    try:
        key_id = crypto.envelope_key_id(envelope)
    except crypto.DecryptionError:
        reason = messages.not_an_envelope()
    else:
        if key_id not in crypto.key_ring().keys:
            reason = messages.key_not_in_ring(key_id)
        else:
            try:
                field.open(instance, envelope)
            except (crypto.DecryptionError, ValueError):
                reason = messages.key_does_not_open(key_id)
            else:
                return None
    return Unopenable(instance._meta.label, field.name, instance.pk, reason)


def _rows(model: type[models.Model], field: EncryptedJSONField):
    rows = model._default_manager.only("pk", field.attname).order_by("pk")
    return rows.exclude(**{f"{field.attname}__isnull": True})


def _starts(field: EncryptedJSONField, key_id: str) -> dict[str, Sealed]:
    # Matching the envelope's prefix reads a handful of rows, whatever the table's size.
    return {f"{field.attname}__startswith": Sealed(f"{crypto.ENVELOPE_VERSION}:{key_id}:")}


def sample_under(
    model: type[models.Model], field: EncryptedJSONField, key_id: str, *, limit: int
) -> list[tuple[models.Model, str]]:
    """A few stored values sealed under `key_id`, with their rows."""
    return _envelopes(field, _rows(model, field).filter(**_starts(field, key_id))[:limit])


def sample_outside_ring(
    model: type[models.Model], field: EncryptedJSONField, *, limit: int
) -> list[tuple[models.Model, str]]:
    """A few stored values under no key id of the ring (or not envelopes at all)."""
    rows = _rows(model, field)
    for key_id in crypto.key_ring().keys:
        rows = rows.exclude(**_starts(field, key_id))
    return _envelopes(field, rows[:limit])


def _envelopes(field: EncryptedJSONField, rows) -> list[tuple[models.Model, str]]:
    return [(row, envelope) for row in rows if (envelope := field.raw(row)) is not None]
