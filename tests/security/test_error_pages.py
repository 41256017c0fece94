"""The technical 500 page (DEBUG on or off) when the key ring is broken or a key is missing:
the reason is named, the secret and the keys are not."""

import base64
import logging
import os

import pytest

from integrations_site.integrations.models import Integration
from tests.security.support import (
    CREATE_URL,
    SECRET_FRAGMENTS,
    canary_payload,
    check_url,
    leaks,
    log_leaks,
    record_texts,
    response_leaks,
    signed_in,
)

# --- the technical 500 page -------------------------------------------------------------------


BROKEN_RINGS = {"malformed": "bad", "empty": "", "short key": "k1:" + "eHh4" * 4}


@pytest.mark.parametrize("ring", BROKEN_RINGS.values(), ids=BROKEN_RINGS.keys())
@pytest.mark.parametrize("debug", [True, False], ids=["DEBUG", "production"])
def test_create_with_a_broken_key_ring_hides_the_secret(
    ring, debug, org, org_admin, settings, debug_logs
):
    settings.DEBUG = debug
    settings.INTEGRATIONS_ENCRYPTION_KEYS = ring
    client = signed_in(org_admin, raise_request_exception=False)
    response = client.post(CREATE_URL, canary_payload())
    body = response.content.decode()
    assert response.status_code == 500
    # Django's SafeExceptionReporterFilter switches itself off when DEBUG is on, so
    # sensitive_post_parameters / sensitive_variables only hide the secret if the site
    # installs a reporter filter that stays active. (The page may show the Access Key ID the
    # request itself posted: it is not a sensitive parameter.)
    assert leaks(body, SECRET_FRAGMENTS) == [], (
        "the 500 page shows the Secret Access Key (POST data and frame locals)"
    )
    if debug:
        # Django's technical page, with the reason that names the setting to fix.
        assert "EncryptionKeyError" in body
        assert "INTEGRATIONS_ENCRYPTION_KEYS" in body
        assert "secret_access_key" in body  # listed, but its value is starred out
    else:
        assert "Server error" in body
        assert "INTEGRATIONS_ENCRYPTION_KEYS" not in body and "Traceback" not in body
    assert not Integration.objects.exists()
    errors = [r for r in debug_logs.records if r.levelno >= logging.ERROR and r.exc_info]
    assert errors, "the 500 is logged with its traceback"
    assert any("INTEGRATIONS_ENCRYPTION_KEYS" in "\n".join(record_texts(r)) for r in errors)
    assert log_leaks(debug_logs) == []


@pytest.mark.parametrize("debug", [True, False], ids=["DEBUG", "production"])
def test_decrypt_with_a_missing_key_id_hides_secret_and_keys(
    debug, canary, org_admin, settings, debug_logs
):
    other_key = base64.b64encode(os.urandom(32)).decode()
    settings.DEBUG = debug
    settings.INTEGRATIONS_ENCRYPTION_KEYS = f"other:{other_key}"
    client = signed_in(org_admin, raise_request_exception=False)
    response = client.post(check_url(canary))
    body = response.content.decode()
    assert response.status_code == 500
    assert response_leaks(response) == []
    assert other_key not in body
    test_key = os.environ["INTEGRATIONS_ENCRYPTION_KEYS"].partition(":")[2]
    assert test_key not in body
    if debug:
        assert "DecryptionError" in body
        assert "INTEGRATIONS_ENCRYPTION_KEYS" in body and "&#x27;test1&#x27;" in body
    else:
        assert "Server error" in body and "INTEGRATIONS_ENCRYPTION_KEYS" not in body
    assert log_leaks(debug_logs) == []
    assert not [r for r in debug_logs.records if other_key in "\n".join(record_texts(r))]
