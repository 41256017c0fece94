"""Key rotation: re-encrypt every encrypted field value under the primary key.

Two passes over the rows that are not under the primary key yet (found in SQL by the
envelope's ``v1:<key id>:`` prefix, so rows already rotated are never loaded):

1. read only: every value must open, else RotationBlocked names them all and nothing changed;
2. re-encryption in batches of ``batch_size`` rows, each its own short transaction (rows locked
   for one batch only), written with one UPDATE per batch.

Rows are walked by primary key (keyset), a batch at a time, so memory stays flat. Stopped
between batches, every row is under its old or the new key and opens with the ring; running
it again finishes the job."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connections, models, router, transaction

from integrations_site import audit

from . import crypto
from .fields import EncryptedJSONField, Sealed
from .services import key_check_verify_primary
from .stored import Unopenable, encrypted_fields, unopenable


@dataclass(frozen=True)
class RotationResult:
    key_id: str
    reencrypted: int
    unchanged: int


@dataclass(frozen=True)
class RotationProgress:
    """Told after each committed batch: where the rotation is, and how far it got."""

    model: str
    field: str
    batch: int
    reencrypted: int


class RotationBlocked(crypto.DecryptionError):
    """Stored values the ring cannot open. Found by the read-only pass, nothing changed
    (``reencrypted == 0``); found in a batch (a value changed while the rotation ran), that
    batch rolled back and the batches before it stay committed."""

    def __init__(self, failures: list[Unopenable], *, reencrypted: int = 0) -> None:
        self.failures = failures
        self.reencrypted = reencrypted
        super().__init__("\n".join(str(failure) for failure in failures))


def rotate_encryption_keys(
    *,
    batch_size: int = 500,
    on_batch: Callable[[RotationProgress], None] | None = None,
) -> RotationResult:
    """Safe to run twice, and safe to stop: the next run picks up the rows still to do.

    Every value is decrypted with its own key (so all old keys must still be configured), then
    sealed anew under the primary key. `on_batch` is called after each committed batch."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    primary = crypto.key_ring().primary_id
    fields = list(encrypted_fields())

    failures: list[Unopenable] = []
    pending = 0
    for model, field in fields:
        for batch in _batches(_not_under(model, field, primary), batch_size):
            for instance in batch:
                failure = unopenable(field, instance, field.raw(instance))
                if failure is not None:
                    failures.append(failure)
            pending += len(batch)
    if failures:
        audit.record(
            action="key.rotate",
            outcome=audit.FAILURE,
            target_type="encryption key",
            target_id=primary,
            details={"unopenable_rows": len(failures)},
        )
        raise RotationBlocked(failures)
    unchanged = sum(_under(model, field, primary).count() for model, field in fields)
    if not pending:
        return RotationResult(key_id=primary, reencrypted=0, unchanged=unchanged)

    key_check_verify_primary()  # a wrong primary key stops here, before any batch
    reencrypted = 0
    for model, field in fields:
        rows = _not_under(model, field, primary)
        last_pk, number = None, 0
        while True:
            with transaction.atomic():
                page = rows if last_pk is None else rows.filter(pk__gt=last_pk)
                # Locks this batch's rows until the batch commits; a concurrent write waits
                # for one batch at most, and the value sealed is the one under the lock.
                batch = list(page.select_for_update()[:batch_size])
                if not batch:
                    break
                last_pk = batch[-1].pk
                sealed, failed = _reseal(field, batch)
                if failed:
                    raise RotationBlocked(failed, reencrypted=reencrypted)
                _write(model, field, sealed)
                audit.record(
                    action="key.rotate",
                    target_type="encryption key",
                    target_id=primary,
                    details={
                        "model": model._meta.label,
                        "field": field.name,
                        "rows": len(sealed),
                        "key_ids": sorted(crypto.key_ring().keys),
                    },
                )
            reencrypted += len(sealed)
            number += 1
            if on_batch is not None:
                on_batch(RotationProgress(model._meta.label, field.name, number, reencrypted))
    return RotationResult(key_id=primary, reencrypted=reencrypted, unchanged=unchanged)


def _prefix(field: EncryptedJSONField, key_id: str) -> dict[str, Sealed]:
    # The field refuses plain strings in queries; the prefix is an envelope's first part.
    return {f"{field.attname}__startswith": Sealed(f"{crypto.ENVELOPE_VERSION}:{key_id}:")}


def _under(model: type[models.Model], field: EncryptedJSONField, key_id: str):
    return model._default_manager.filter(**_prefix(field, key_id))


def _not_under(model: type[models.Model], field: EncryptedJSONField, key_id: str):
    rows = model._default_manager.only("pk", field.attname).order_by("pk")
    return rows.exclude(**{f"{field.attname}__isnull": True}).exclude(**_prefix(field, key_id))


def _batches(rows, batch_size: int) -> Iterator[list[models.Model]]:
    """Keyset pages on the primary key: each query starts after the last row seen."""
    last_pk = None
    while True:
        page = rows if last_pk is None else rows.filter(pk__gt=last_pk)
        batch = list(page[:batch_size])
        if not batch:
            return
        last_pk = batch[-1].pk
        yield batch


def _reseal(
    field: EncryptedJSONField, batch: list[models.Model]
) -> tuple[dict[object, Sealed], list[Unopenable]]:
    sealed: dict[object, Sealed] = {}
    failed: list[Unopenable] = []
    for instance in batch:
        envelope = field.raw(instance)
        try:
            value = field.open(instance, envelope)
        except (crypto.DecryptionError, ValueError):
            failed.append(unopenable(field, instance, envelope))
            continue
        sealed[instance.pk] = field.seal(instance, value)
    return sealed, failed


def _write(model: type[models.Model], field: EncryptedJSONField, sealed: dict) -> None:
    """One UPDATE for the batch, joined to its new values (what bulk_update does, without
    its CASE WHEN per row, whose building and matching cost more than the encryption; and
    bulk_update reads values through the field's descriptor, which decrypts)."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    pk = model._meta.pk
    rows = ", ".join(["(%s, %s)"] * len(sealed))
    params: list = []
    for key, envelope in sealed.items():
        params += [pk.get_db_prep_value(key, connection), str(envelope)]
    table = quote(model._meta.db_table)
    # VALUES columns are column1, column2 on PostgreSQL and SQLite alike.
    sql = (
        f"UPDATE {table} SET {quote(field.column)} = batch.column2 "  # noqa: S608 (names quoted)
        f"FROM (VALUES {rows}) AS batch WHERE {table}.{quote(pk.column)} = batch.column1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
