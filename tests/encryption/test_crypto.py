"""Secrets at rest: the envelope in the column, what refuses to decrypt, the key ring."""

import base64

import pytest

from integrations_site.encryption import crypto
from integrations_site.integrations.models import Integration
from tests.encryption.rows import KEY_A, raw_credentials, write_raw_credentials
from tests.factories import CANARY_SECRET, VALID_ACCESS_KEY_ID, make_integration


def test_suite_uses_its_own_key(settings):
    assert settings.INTEGRATIONS_ENCRYPTION_KEYS.startswith("test1:")
    assert crypto.key_ring().primary_id == "test1"


def test_round_trip(org):
    created = make_integration(org, name="ecr", secret_access_key=CANARY_SECRET)
    loaded = Integration.objects.get(pk=created.pk)
    assert loaded.credentials == {
        "access_key_id": VALID_ACCESS_KEY_ID,
        "secret_access_key": CANARY_SECRET,
        "account": "123456789012",
        "region": "us-east-1",
    }


def test_raw_column_holds_only_a_versioned_envelope(org):
    created = make_integration(org, name="ecr", secret_access_key=CANARY_SECRET)
    raw = raw_credentials(created.pk)
    assert raw.startswith("v1:test1:")
    assert CANARY_SECRET not in raw
    assert VALID_ACCESS_KEY_ID not in raw
    payload = base64.b64decode(raw.split(":", 2)[2])
    assert CANARY_SECRET.encode() not in payload
    assert len(payload) > crypto.NONCE_BYTES + 16  # nonce + ciphertext + GCM tag


def test_every_save_uses_a_fresh_nonce(org):
    first = make_integration(org, name="one")
    second = make_integration(org, name="two")
    nonce = lambda raw: base64.b64decode(raw.split(":", 2)[2])[: crypto.NONCE_BYTES]  # noqa: E731
    assert nonce(raw_credentials(first.pk)) != nonce(raw_credentials(second.pk))


def test_ciphertext_copied_to_another_row_does_not_decrypt(org):
    source = make_integration(org, name="source", secret_access_key=CANARY_SECRET)
    target = make_integration(org, name="target")
    write_raw_credentials(target.pk, raw_credentials(source.pk))
    with pytest.raises(crypto.DecryptionError) as error:
        Integration.objects.get(pk=target.pk).credentials
    message = str(error.value)
    assert str(target.pk) in message
    assert "copied from another row" in message
    assert CANARY_SECRET not in message


def test_tampered_ciphertext_does_not_decrypt(org):
    created = make_integration(org, name="ecr")
    raw = raw_credentials(created.pk)
    payload = bytearray(base64.b64decode(raw.split(":", 2)[2]))
    payload[-1] ^= 0x01
    write_raw_credentials(created.pk, "v1:test1:" + base64.b64encode(bytes(payload)).decode())
    with pytest.raises(crypto.DecryptionError):
        Integration.objects.get(pk=created.pk).credentials


def test_plaintext_in_the_column_is_refused_not_returned(org):
    created = make_integration(org, name="ecr")
    write_raw_credentials(created.pk, '{"secret_access_key": "plain"}')
    with pytest.raises(crypto.DecryptionError, match="not a v1 encrypted envelope"):
        Integration.objects.get(pk=created.pk).credentials


def test_wrong_key_fails_with_a_clear_error(org, settings):
    created = make_integration(org, name="ecr", secret_access_key=CANARY_SECRET)
    settings.INTEGRATIONS_ENCRYPTION_KEYS = KEY_A
    with pytest.raises(crypto.DecryptionError) as error:
        Integration.objects.get(pk=created.pk).credentials
    message = str(error.value)
    assert "'test1'" in message and "INTEGRATIONS_ENCRYPTION_KEYS" in message
    assert CANARY_SECRET not in message


def test_same_key_id_with_other_key_material_fails(org, settings):
    created = make_integration(org, name="ecr")
    settings.INTEGRATIONS_ENCRYPTION_KEYS = "test1:" + base64.b64encode(b"z" * 32).decode()
    with pytest.raises(crypto.DecryptionError, match="wrong key"):
        Integration.objects.get(pk=created.pk).credentials


def test_missing_key_ring_fails_closed(org, settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = ""
    with pytest.raises(crypto.EncryptionKeyError, match="INTEGRATIONS_ENCRYPTION_KEYS is not set"):
        make_integration(org, name="ecr")
    assert not Integration.objects.exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("nokeyid", "must look like"),
        ("k1:not base64!", "not valid base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "must be 32 bytes"),
        (f"{KEY_A},{KEY_A}", "twice"),
    ],
)
def test_malformed_key_ring_is_named(settings, value, expected):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = value
    with pytest.raises(crypto.EncryptionKeyError, match=expected):
        crypto.key_ring()


def test_key_ring_repr_hides_key_material(settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = KEY_A
    assert base64.b64encode(b"a" * 32).decode() not in repr(crypto.key_ring())


def test_plaintext_cannot_be_written_with_update(org):
    created = make_integration(org, name="ecr")
    with pytest.raises(crypto.EncryptionError):
        Integration.objects.filter(pk=created.pk).update(credentials={"secret": "x"})
