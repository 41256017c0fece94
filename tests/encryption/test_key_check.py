"""The key ring is checked against the stored data: the system check, refused writes, and the
key-check value that proves which key material sealed the data."""

import base64

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import transaction

from integrations_site.encryption import crypto, services
from integrations_site.encryption.models import KeyCheck
from integrations_site.integrations.models import Integration
from tests.encryption.rows import KEY_A, KEY_B, raw_credentials, write_raw_credentials
from tests.factories import make_integration

# The suite's key id with other key material: well formed, but not the key of the data.
WRONG_TEST1 = "test1:" + base64.b64encode(b"w" * 32).decode()
WRONG_MATERIAL = "key test1 in INTEGRATIONS_ENCRYPTION_KEYS is not the key that sealed the stored"


@pytest.fixture(autouse=True)
def _prove_keys_afresh():
    # Each test starts from its own (rolled back) database, so no key is proven yet.
    services.forget_verified_keys()
    yield
    services.forget_verified_keys()


def check_fails() -> str:
    with pytest.raises(SystemCheckError) as error:
        call_command("check")
    return str(error.value)


def check_passes() -> None:
    call_command("check")  # raises SystemCheckError on any error


# --- the system check: the ring itself --------------------------------------------------------


@pytest.mark.parametrize(
    ("ring", "cause"),
    [
        ("garbage", "entry 1 must look like 'keyid:<base64 key>'"),
        ("k1:AAAA", "key 'k1' must be 32 bytes (AES-256), not 3"),
        (f"{KEY_A},{KEY_B},{KEY_A}", "names key id 'keyA' twice"),
        ("", "INTEGRATIONS_ENCRYPTION_KEYS is not set"),
        ("k1:not base64!", "key 'k1' is not valid base64"),
    ],
    ids=["garbage", "short key", "duplicate ids", "unset", "not base64"],
)
def test_malformed_ring_fails_the_check_naming_the_cause(db, settings, ring, cause):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = ring
    message = check_fails()
    assert "encryption.E001" in message
    assert cause in message


def test_the_suites_ring_passes_the_check_with_data_stored(integration):
    assert KeyCheck.objects.filter(key_id="test1").exists()  # made by the first write
    check_passes()


# --- the system check: the ring against the stored data ---------------------------------------


def test_wrong_key_material_with_stored_data_fails_the_check(integration, settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = WRONG_TEST1
    message = check_fails()
    assert WRONG_MATERIAL in message
    assert f"integrations.Integration.credentials of row {integration.pk}" in message
    assert base64.b64encode(b"w" * 32).decode() not in message  # never key material


def test_key_check_alone_catches_wrong_key_material(db, settings):
    services.key_check_verify_primary()  # a fresh site: a key check but no secret yet
    assert not Integration.objects.exists()
    check_passes()
    settings.INTEGRATIONS_ENCRYPTION_KEYS = WRONG_TEST1
    message = check_fails()
    assert "encryption.E002" in message and WRONG_MATERIAL in message


def test_stored_rows_alone_catch_wrong_key_material(integration, settings):
    KeyCheck.objects.all().delete()  # data from before key checks existed
    settings.INTEGRATIONS_ENCRYPTION_KEYS = WRONG_TEST1
    message = check_fails()
    assert "encryption.E003" in message and "encryption.E002" not in message
    assert f"integrations.Integration.credentials of row {integration.pk}" in message
    assert "key 'test1' does not open it" in message


def test_row_under_a_key_missing_from_the_ring_fails_the_check(org, settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = KEY_A
    old = make_integration(org, name="old")
    settings.INTEGRATIONS_ENCRYPTION_KEYS = f"{KEY_B},{KEY_A}"
    check_passes()  # the old key is still in the ring
    settings.INTEGRATIONS_ENCRYPTION_KEYS = KEY_B
    message = check_fails()
    assert f"integrations.Integration.credentials of row {old.pk}" in message
    assert "sealed with key 'keyA', which is not in INTEGRATIONS_ENCRYPTION_KEYS" in message


def test_altered_row_fails_the_check(org):
    kept = make_integration(org, name="kept")
    altered = make_integration(org, name="altered")
    write_raw_credentials(altered.pk, raw_credentials(kept.pk))  # copied from another row
    message = check_fails()
    assert f"row {altered.pk}" in message and f"row {kept.pk}" not in message


# --- writes under a wrong primary key ---------------------------------------------------------


def test_create_with_a_wrong_primary_key_is_refused_and_stores_nothing(org, settings):
    make_integration(org, name="first")  # stores the key check
    make_integration(org, name="second")  # proves the key: cached for this process
    settings.INTEGRATIONS_ENCRYPTION_KEYS = WRONG_TEST1
    with pytest.raises(crypto.EncryptionKeyError, match=WRONG_MATERIAL):
        make_integration(org, name="third")
    assert sorted(Integration.objects.values_list("name", flat=True)) == ["first", "second"]
    assert KeyCheck.objects.count() == 1


def test_update_with_a_wrong_primary_key_keeps_the_stored_value(integration, settings):
    before = raw_credentials(integration.pk)
    settings.INTEGRATIONS_ENCRYPTION_KEYS = WRONG_TEST1
    integration.credentials = {"secret_access_key": "replaced"}
    with pytest.raises(crypto.EncryptionKeyError), transaction.atomic():
        integration.save()
    assert raw_credentials(integration.pk) == before


def test_wrong_primary_key_is_refused_by_data_stored_before_key_checks(integration, settings):
    KeyCheck.objects.all().delete()
    settings.INTEGRATIONS_ENCRYPTION_KEYS = WRONG_TEST1
    with pytest.raises(crypto.EncryptionKeyError, match="opens none of the values stored"):
        make_integration(integration.organization, name="second")
    assert not KeyCheck.objects.exists()  # no key check sealed under the wrong key
    assert Integration.objects.count() == 1


def test_one_altered_row_does_not_block_writes_under_the_right_key(org):
    kept = make_integration(org, name="kept")
    altered = make_integration(org, name="altered")
    write_raw_credentials(altered.pk, raw_credentials(kept.pk))
    KeyCheck.objects.all().delete()
    services.forget_verified_keys()
    make_integration(org, name="new")  # another row opens: the key is right
    assert KeyCheck.objects.filter(key_id="test1").exists()


def test_new_primary_key_id_gets_its_key_check(integration, settings):
    settings.INTEGRATIONS_ENCRYPTION_KEYS = f"{KEY_A},{settings.INTEGRATIONS_ENCRYPTION_KEYS}"
    make_integration(integration.organization, name="under-a")
    check = KeyCheck.objects.get(key_id="keyA")
    assert check.sealed.startswith("v1:keyA:")
    assert crypto.key_check_opens("keyA", check.sealed)
    assert not crypto.key_check_opens("test1", check.sealed)  # bound to its key id
    check_passes()


def test_primary_key_is_proven_once_per_process(integration, django_assert_num_queries):
    services.key_check_verify_primary()  # finds the stored key check: cached from now on
    with django_assert_num_queries(0):
        services.key_check_verify_primary()
