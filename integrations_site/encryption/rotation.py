"""Key rotation: re-encrypt every encrypted field value under the primary key."""

from dataclasses import dataclass

from django.apps import apps
from django.db import transaction

from . import crypto
from .fields import EncryptedJSONField, Sealed


@dataclass(frozen=True)
class RotationResult:
    key_id: str
    reencrypted: int
    unchanged: int


def _encrypted_fields():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedJSONField):
                yield model, field


@transaction.atomic
def rotate_encryption_keys(*, batch_size: int = 500) -> RotationResult:
    """Safe to run twice: the second run finds every value under the primary key already.

    Every value is decrypted with its own key (so all old keys must still be configured), then
    sealed anew under the primary key. Any failure rolls the whole rotation back."""
    primary = crypto.key_ring().primary_id
    reencrypted = unchanged = 0
    for model, field in _encrypted_fields():
        rows = model._default_manager.select_for_update().only("pk", field.attname).order_by("pk")
        last_pk = None
        while True:
            batch = rows.filter(pk__gt=last_pk) if last_pk is not None else rows
            batch = list(batch[:batch_size])
            if not batch:
                break
            last_pk = batch[-1].pk
            for instance in batch:
                envelope = field.raw(instance)
                if envelope is None:
                    continue
                if crypto.envelope_key_id(envelope) == primary:
                    unchanged += 1
                    continue
                resealed: Sealed = field.seal(instance, field.open(instance, envelope))
                model._default_manager.filter(pk=instance.pk).update(**{field.attname: resealed})
                reencrypted += 1
    return RotationResult(key_id=primary, reencrypted=reencrypted, unchanged=unchanged)
