"""Key rotation: re-encrypt every encrypted field value under the primary key."""

from dataclasses import dataclass

from django.db import transaction

from . import crypto
from .fields import Sealed
from .stored import Unopenable, encrypted_fields, unopenable


@dataclass(frozen=True)
class RotationResult:
    key_id: str
    reencrypted: int
    unchanged: int


class RotationBlocked(crypto.DecryptionError):
    """Stored values the ring cannot open; the rotation rolled back and changed nothing."""

    def __init__(self, failures: list[Unopenable]) -> None:
        self.failures = failures
        super().__init__("\n".join(str(failure) for failure in failures))


@transaction.atomic
def rotate_encryption_keys(*, batch_size: int = 500) -> RotationResult:
    """Safe to run twice: the second run finds every value under the primary key already.

    Every value is decrypted with its own key (so all old keys must still be configured), then
    sealed anew under the primary key. Values that don't open are collected, not raised one by
    one, so RotationBlocked names them all; then the whole rotation rolls back."""
    primary = crypto.key_ring().primary_id
    reencrypted = unchanged = 0
    failures: list[Unopenable] = []
    for model, field in encrypted_fields():
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
                if envelope.startswith(f"{crypto.ENVELOPE_VERSION}:{primary}:"):
                    unchanged += 1
                    continue
                try:
                    value = field.open(instance, envelope)
                except (crypto.DecryptionError, ValueError):
                    failures.append(unopenable(field, instance, envelope))
                    continue
                if failures:
                    continue  # rolled back anyway: only look for more rows to report
                resealed: Sealed = field.seal(instance, value)
                model._default_manager.filter(pk=instance.pk).update(**{field.attname: resealed})
                reencrypted += 1
    if failures:
        raise RotationBlocked(failures)
    return RotationResult(key_id=primary, reencrypted=reencrypted, unchanged=unchanged)
