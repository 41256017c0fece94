"""Every sentence the encryption app shows an operator (system check, refused writes, key
rotation), once. None contains key material or plaintext."""

from .crypto import SETTING

PUT_BACK_THE_KEY = (
    f"Set {SETTING} to the keys that sealed the stored data (keep an old key in the ring "
    "until rotate_encryption_keys has run); a key id must keep its key material."
)
RING_FORMAT = (
    f"{SETTING} is 'keyid:<base64 of 32 random bytes>', comma-separated, each id once; the "
    "first key encrypts, every key decrypts."
)
DATABASE_UNREACHABLE = "The database could not be read, so stored secrets were not checked"


def wrong_key(key_id: str) -> str:
    return f"key {key_id} in {SETTING} is not the key that sealed the stored data"


def primary_opens_no_stored_value(key_id: str, where: str) -> str:
    return (
        f"key {key_id} in {SETTING} is not the key that sealed the stored data: it opens none "
        f"of the values stored under {key_id!r} (e.g. {where})"
    )


def writes_refused(reason: str) -> str:
    return f"Refusing to encrypt: {reason}. Nothing was written. {PUT_BACK_THE_KEY}"


def not_an_envelope() -> str:
    return "it is not an encrypted envelope"


def key_not_in_ring(key_id: str) -> str:
    return f"it was sealed with key {key_id!r}, which is not in {SETTING}"


def key_does_not_open(key_id: str) -> str:
    return (
        f"key {key_id!r} does not open it (wrong key material, or the value was altered or "
        "copied from another row)"
    )


def unopenable(where: str, reason: str) -> str:
    return f"{where} cannot be opened with {SETTING}: {reason}"


def rotation_refused(lines: list[str], more: int) -> str:
    listed = "\n".join(f"  {line}" for line in lines)
    tail = f"\n  … and {more} more" if more else ""
    return (
        f"Rotation changed nothing: {len(lines) + more} stored secret(s) cannot be opened with "
        f"{SETTING}:\n{listed}{tail}\n{PUT_BACK_THE_KEY}"
    )


def rotation_stopped(lines: list[str], more: int, reencrypted: int) -> str:
    listed = "\n".join(f"  {line}" for line in lines)
    tail = f"\n  … and {more} more" if more else ""
    return (
        f"Rotation stopped after re-encrypting {reencrypted} secret(s): {len(lines) + more} "
        f"stored secret(s) changed while it ran and cannot be opened with {SETTING}:\n"
        f"{listed}{tail}\nEvery other stored secret opens under its old or the new key; fix "
        "these and run rotate_encryption_keys again to finish."
    )
