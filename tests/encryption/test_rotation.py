"""rotate_encryption_keys: re-encrypting every row under the primary key, safely."""

from io import StringIO

import pytest
from django.core.management import call_command

from integrations_site.encryption import crypto
from integrations_site.integrations.models import Integration
from tests.encryption.rows import KEY_A, KEY_B, raw_credentials
from tests.factories import make_integration


def test_rotation_reencrypts_every_row_and_old_key_can_be_dropped(org, settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = KEY_A
    made = [make_integration(org, name=f"ecr-{i}", account=f"1234567890{i:02d}") for i in range(7)]
    settings.INTEGRATIONS_ENCRYPTION_KEYS = f"{KEY_B},{KEY_A}"
    stdout = StringIO()
    call_command("rotate_encryption_keys", "--batch-size", "3", stdout=stdout)
    assert "Re-encrypted 7 secret(s) under key 'keyB'" in stdout.getvalue()
    assert all(raw_credentials(i.pk).startswith("v1:keyB:") for i in made)

    settings.INTEGRATIONS_ENCRYPTION_KEYS = KEY_B  # the old key is gone
    for i, integration in enumerate(made):
        assert Integration.objects.get(pk=integration.pk).credentials["account"] == (
            f"1234567890{i:02d}"
        )


def test_rotation_is_safe_to_run_twice(org, settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = KEY_A
    made = make_integration(org, name="ecr")
    settings.INTEGRATIONS_ENCRYPTION_KEYS = f"{KEY_B},{KEY_A}"
    call_command("rotate_encryption_keys", stdout=StringIO())
    after_first = raw_credentials(made.pk)
    stdout = StringIO()
    call_command("rotate_encryption_keys", stdout=stdout)
    assert "Re-encrypted 0 secret(s)" in stdout.getvalue()
    assert "1 already used it" in stdout.getvalue()
    assert raw_credentials(made.pk) == after_first


def test_rotation_without_the_old_key_changes_nothing(org, settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = KEY_A
    first = make_integration(org, name="first")
    settings.INTEGRATIONS_ENCRYPTION_KEYS = KEY_B
    second = make_integration(org, name="second")
    before = {pk: raw_credentials(pk) for pk in (first.pk, second.pk)}
    settings.INTEGRATIONS_ENCRYPTION_KEYS = f"{KEY_B}"  # keyA forgotten: cannot decrypt `first`
    with pytest.raises(crypto.DecryptionError):
        call_command("rotate_encryption_keys", stdout=StringIO())
    assert {pk: raw_credentials(pk) for pk in before} == before
