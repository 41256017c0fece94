"""AES-GCM envelopes for secrets at rest.

Envelope: ``v1:<key id>:<base64(nonce || ciphertext+tag)>`` with a random 96-bit nonce.
The associated data names the row and field the ciphertext belongs to, so a ciphertext copied
into another row or column does not decrypt. Keys come from ``INTEGRATIONS_ENCRYPTION_KEYS``
(``keyid:base64-32-bytes`` comma-separated; the first encrypts, all decrypt), never from
SECRET_KEY. Every failure is an ``EncryptionError`` whose message names what to fix and never
contains key material or plaintext. A key-check value per key id (models.KeyCheck) tells the
right key from a wrong one with the same id: see checks.py and services.py."""

import base64
import binascii
import hmac
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

ENVELOPE_VERSION = "v1"
NONCE_BYTES = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
SETTING = "INTEGRATIONS_ENCRYPTION_KEYS"
# The key-check value: a fixed plaintext sealed once per key id (models.KeyCheck). A key that
# opens it is the key that sealed the stored data; a key with the same id that does not is not.
_KEY_CHECK_PLAINTEXT = b"integrations-site key check v1"


class EncryptionError(Exception):
    """Secrets can't be encrypted or decrypted; the message says why (never the secret)."""


class EncryptionKeyError(EncryptionError):
    """The key ring is missing or malformed."""


class DecryptionError(EncryptionError):
    """A stored envelope can't be opened with the configured keys."""


@dataclass(frozen=True)
class KeyRing:
    primary_id: str
    keys: dict[str, AESGCM]

    def __repr__(self) -> str:  # never show key material, even in a debugger
        return f"KeyRing(primary_id={self.primary_id!r}, key_ids={list(self.keys)!r})"


@sensitive_variables()
def _parse_key_ring(raw: str) -> KeyRing:
    entries = [entry.strip() for entry in raw.split(",") if entry.strip()]
    if not entries:
        raise EncryptionKeyError(
            f"{SETTING} is not set: no key to encrypt or decrypt integration secrets. "
            "Set it to 'keyid:<base64 of 32 random bytes>' (make run writes one into .env)."
        )
    keys: dict[str, AESGCM] = {}
    for position, entry in enumerate(entries, start=1):
        key_id, sep, encoded = entry.partition(":")
        if not sep or not _KEY_ID.match(key_id):
            raise EncryptionKeyError(
                f"{SETTING} entry {position} must look like 'keyid:<base64 key>' "
                "(key id: 1-32 letters, digits, '_', '.', '-')."
            )
        if key_id in keys:
            raise EncryptionKeyError(f"{SETTING} names key id {key_id!r} twice.")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise EncryptionKeyError(f"{SETTING} key {key_id!r} is not valid base64.") from None
        if len(key) != 32:
            raise EncryptionKeyError(
                f"{SETTING} key {key_id!r} must be 32 bytes (AES-256), not {len(key)}."
            )
        keys[key_id] = AESGCM(key)
    return KeyRing(primary_id=entries[0].partition(":")[0], keys=keys)


_parsed: dict[str, KeyRing] = {}


@sensitive_variables()
def key_ring() -> KeyRing:
    """The configured key ring, parsed once per distinct setting value."""
    raw = getattr(settings, SETTING, "") or ""
    ring = _parsed.get(raw)
    if ring is None:
        ring = _parse_key_ring(raw)
        _parsed.clear()
        _parsed[raw] = ring
    return ring


def generate_key_entry(key_id: str = "k1") -> str:
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


def envelope_key_id(envelope: str) -> str:
    _version, key_id, _payload = _split(envelope)
    return key_id


def _split(envelope: str) -> tuple[str, str, str]:
    parts = envelope.split(":", 2) if isinstance(envelope, str) else []
    if len(parts) != 3 or parts[0] != ENVELOPE_VERSION:
        # Fail closed: a value that is not an envelope is never returned as plaintext.
        raise DecryptionError(
            f"Stored value is not a {ENVELOPE_VERSION} encrypted envelope; refusing to use it."
        )
    return parts[0], parts[1], parts[2]


@sensitive_variables()
def _seal(key_id: str, plaintext: bytes, associated_data: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = key_ring().keys[key_id].encrypt(nonce, plaintext, associated_data)
    return f"{ENVELOPE_VERSION}:{key_id}:{base64.b64encode(nonce + sealed).decode()}"


@sensitive_variables()
def encrypt(plaintext: bytes, *, associated_data: bytes) -> str:
    return _seal(key_ring().primary_id, plaintext, associated_data)


def _key_check_associated_data(key_id: str) -> bytes:
    # Bound to the key id: a check value copied to another id's row does not open.
    return f"encryption.keycheck:{key_id}".encode()


def seal_key_check(key_id: str) -> str:
    """The key-check value for a key id of the ring, sealed with that key."""
    return _seal(key_id, _KEY_CHECK_PLAINTEXT, _key_check_associated_data(key_id))


def key_check_opens(key_id: str, envelope: str) -> bool:
    """Whether the ring's key `key_id` opens the key-check value stored for that id."""
    try:
        plaintext = decrypt(
            envelope,
            associated_data=_key_check_associated_data(key_id),
            where=f"the key check of key {key_id!r}",
        )
    except DecryptionError:
        return False
    return hmac.compare_digest(plaintext, _KEY_CHECK_PLAINTEXT)


@sensitive_variables()
def decrypt(envelope: str, *, associated_data: bytes, where: str) -> bytes:
    """Open an envelope; `where` names the row and field for error messages."""
    _, key_id, payload = _split(envelope)
    ring = key_ring()
    aesgcm = ring.keys.get(key_id)
    if aesgcm is None:
        raise DecryptionError(
            f"Cannot decrypt {where}: it was encrypted with key {key_id!r}, which is not in "
            f"{SETTING} (configured: {', '.join(ring.keys)})."
        )
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError(f"Cannot decrypt {where}: the envelope is corrupt.") from None
    try:
        return aesgcm.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data)
    except InvalidTag:
        raise DecryptionError(
            f"Cannot decrypt {where} with key {key_id!r}: wrong key, or the ciphertext was "
            "altered or copied from another row or field."
        ) from None
