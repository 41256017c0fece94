"""A model field that keeps a JSON value encrypted at rest (see crypto.py).

The database column holds only the envelope. On the instance, the attribute reads as the
decrypted value (decrypted on first access, so listing rows never touches keys) and takes a
plain value on assignment, which is encrypted when the row is saved. The associated data is
``<app>.<model>:<pk>:<field>``: the row's primary key must exist before saving, which a UUID
default guarantees."""

import json
from typing import Any

from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.views.decorators.debug import sensitive_variables

from . import crypto


class Sealed(str):
    """An envelope as read from the database: ciphertext, not a value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Sealed(key={crypto.envelope_key_id(self)!r})"


class _Plain:
    """A value assigned in Python, not yet encrypted. Its repr never shows the value."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<unsaved secret>"


class EncryptedDescriptor(DeferredAttribute):
    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        stored = super().__get__(instance, cls)  # loads a deferred column if needed
        if isinstance(stored, _Plain):
            return stored.value
        if stored is None:
            return None
        field: EncryptedJSONField = self.field  # type: ignore[assignment]
        return field.open(instance, stored)

    def __set__(self, instance, value) -> None:
        if value is None or isinstance(value, Sealed):
            instance.__dict__[self.field.attname] = value
        else:
            instance.__dict__[self.field.attname] = _Plain(value)


class EncryptedJSONField(models.TextField):
    """Encrypted JSON. Not searchable, not orderable, never shown by forms or the admin."""

    descriptor_class = EncryptedDescriptor

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def associated_data(self, instance: models.Model) -> bytes:
        if instance.pk is None:
            raise crypto.EncryptionError(
                f"{self._where(instance)} needs a primary key before it can be encrypted."
            )
        return f"{instance._meta.label_lower}:{instance.pk}:{self.name}".encode()

    def _where(self, instance: models.Model) -> str:
        return f"{instance._meta.label}.{self.name} of row {instance.pk}"

    @sensitive_variables()
    def open(self, instance: models.Model, envelope: str) -> Any:
        plaintext = crypto.decrypt(
            envelope, associated_data=self.associated_data(instance), where=self._where(instance)
        )
        return json.loads(plaintext)

    @sensitive_variables()
    def seal(self, instance: models.Model, value: Any) -> Sealed:
        # Imported on use: model modules import this field before the app registry is ready.
        from .services import key_check_verify_primary

        key_check_verify_primary()  # never write ciphertext under a wrong key
        plaintext = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
        return Sealed(crypto.encrypt(plaintext, associated_data=self.associated_data(instance)))

    def raw(self, instance: models.Model) -> str | None:
        """The stored envelope, for key rotation; None for an unsaved plain value."""
        stored = instance.__dict__.get(self.attname)
        return stored if isinstance(stored, Sealed) else None

    def pre_save(self, model_instance: models.Model, add: bool) -> Sealed | None:
        stored = model_instance.__dict__.get(self.attname)
        if isinstance(stored, _Plain):
            stored = self.seal(model_instance, stored.value)
            # Keep the instance in step with the row: later saves write the same envelope.
            model_instance.__dict__[self.attname] = stored
        return stored

    def from_db_value(self, value, expression, connection) -> Sealed | None:
        return None if value is None else Sealed(value)

    def get_prep_value(self, value):
        if value is None or isinstance(value, Sealed):
            return None if value is None else str(value)
        # Anything else would be plaintext reaching the database (e.g. a filter or
        # .update(credentials=...)): refuse rather than store or compare it.
        raise crypto.EncryptionError(
            "Encrypted fields can only be written by saving a model instance."
        )

    def value_to_string(self, obj) -> str:
        # Serialization (dumpdata) carries the envelope, never the plaintext.
        stored = obj.__dict__.get(self.attname)
        return "" if stored is None or isinstance(stored, _Plain) else str(stored)
