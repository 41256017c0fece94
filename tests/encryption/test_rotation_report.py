"""rotate_encryption_keys with stored values it cannot open: a report by model and row, a
non-zero exit, and nothing changed."""

import base64
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from integrations_site.encryption import crypto, services
from tests.encryption.rows import KEY_A, KEY_B, raw_credentials, write_raw_credentials
from tests.factories import CANARY_SECRET, make_integration

KEY_C = "keyC:" + base64.b64encode(b"c" * 32).decode()


@pytest.fixture(autouse=True)
def _prove_keys_afresh():
    services.forget_verified_keys()
    yield
    services.forget_verified_keys()


def rotate() -> CommandError:
    with pytest.raises(CommandError) as error:
        call_command("rotate_encryption_keys", "--batch-size", "2", stdout=StringIO())
    return error.value


def test_rotation_names_every_row_it_cannot_open_and_changes_nothing(org, settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = KEY_A
    lost = [make_integration(org, name=n, secret_access_key=CANARY_SECRET) for n in ("l1", "l2")]
    settings.INTEGRATIONS_ENCRYPTION_KEYS = KEY_B
    movable = make_integration(org, name="movable")
    altered = make_integration(org, name="altered")
    write_raw_credentials(altered.pk, raw_credentials(movable.pk))  # copied: won't open
    before = {i.pk: raw_credentials(i.pk) for i in [*lost, movable, altered]}

    settings.INTEGRATIONS_ENCRYPTION_KEYS = f"{KEY_C},{KEY_B}"  # keyA forgotten
    error = rotate()

    report = str(error)
    assert error.returncode == 1  # manage.py exits with it, printing the report, no traceback
    assert isinstance(error, crypto.DecryptionError)
    assert "Rotation changed nothing: 3 stored secret(s) cannot be opened" in report
    where = "integrations.Integration.credentials of row"
    for row in lost:
        assert f"{where} {row.pk}: it was sealed with key 'keyA', which is not in" in report
    assert f"{where} {altered.pk}: key 'keyB' does not open it" in report
    assert str(movable.pk) not in report
    assert CANARY_SECRET not in report
    # Not even the row that could be re-encrypted under keyC was.
    assert {pk: raw_credentials(pk) for pk in before} == before


def test_rotation_under_a_wrong_primary_key_exits_with_the_reason(org, settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = KEY_B
    make_integration(org, name="under-b")  # stores keyB's key check
    settings.INTEGRATIONS_ENCRYPTION_KEYS = KEY_A
    old = make_integration(org, name="under-a")
    before = raw_credentials(old.pk)
    wrong_b = "keyB:" + base64.b64encode(b"x" * 32).decode()
    settings.INTEGRATIONS_ENCRYPTION_KEYS = f"{wrong_b},{KEY_A}"
    error = rotate()
    assert "key keyB in INTEGRATIONS_ENCRYPTION_KEYS is not the key that sealed" in str(error)
    assert raw_credentials(old.pk) == before


def test_rotation_with_a_malformed_ring_exits_with_the_cause(db, settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = "k1:AAAA"
    assert "must be 32 bytes" in str(rotate())
