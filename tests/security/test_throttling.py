"""Guessing is throttled: sign-in per username and per client address (django-axes, attempts in
the database), failed API tokens per client address (counted in the shared cache)."""

import time
from datetime import timedelta
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from integrations_site.api.services import api_token_create

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"  # the default of tests.factories.make_user
LOCKED = "Too many failed sign-in attempts. Try again in 15 minutes."
HERE, THERE = "10.0.0.1", "10.0.0.2"


@pytest.fixture(autouse=True)
def _settings(settings):
    # The limits the defaults promise, whatever the environment says.
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.AXES_RESET_ON_SUCCESS = False
    settings.API_TOKEN_FAILURE_LIMIT = 3
    settings.API_TOKEN_FAILURE_WINDOW = 300
    settings.CLIENT_IP_HEADER = ""


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def sign_in(username: str, password: str, address: str = HERE):
    """POST the real login form from a fresh browser at `address`."""
    browser = Client(REMOTE_ADDR=address)
    response = browser.post("/accounts/login/", {"username": username, "password": password})
    response.signed_in = "_auth_user_id" in browser.session
    return response


def fail(username: str, times: int, address: str = HERE) -> None:
    for _ in range(times):
        response = sign_in(username, "wrong-password", address)
        assert not response.signed_in


# --- sign-in ----------------------------------------------------------------------------------


def test_below_the_limit_wrong_passwords_are_refused_and_the_right_one_works(org_member):
    for _ in range(4):
        assert sign_in("bob", "wrong-password").status_code == 200  # the form, with its error
    assert sign_in("bob", PASSWORD).signed_in


def test_wrong_passwords_lock_the_login_and_the_right_password_is_refused(org_member):
    fail("bob", 4)
    assert sign_in("bob", "wrong-password").status_code == 429  # the fifth failure locks
    locked = sign_in("bob", PASSWORD)
    assert locked.status_code == 429 and not locked.signed_in
    # Also through the admin's login form: the lock is on authentication, not on one page.
    browser = Client(REMOTE_ADDR=HERE)
    admin_login = browser.post("/admin/login/", {"username": "bob", "password": PASSWORD})
    assert admin_login.status_code == 429 and "_auth_user_id" not in browser.session


def test_the_lockout_page_says_when_to_retry(org_member, settings):
    fail("bob", 5)
    response = sign_in("bob", PASSWORD)
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert "base.html" in [t.name for t in response.templates]
    assert LOCKED in response.content.decode()
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    assert "Try again in 1 minute." in sign_in("bob", PASSWORD).content.decode()


def test_many_usernames_from_one_address_lock_that_address_for_everyone(org_member):
    for number in range(5):
        fail(f"guess{number}", 1, address=HERE)
    assert sign_in("bob", PASSWORD, address=HERE).status_code == 429
    # bob himself is not locked: from elsewhere he signs in.
    assert sign_in("bob", PASSWORD, address=THERE).signed_in


def test_one_username_from_many_addresses_locks_that_user_everywhere(org_member, org_admin):
    for number in range(5):
        fail("bob", 1, address=f"10.0.1.{number}")
    locked = sign_in("bob", PASSWORD, address="10.0.2.1")
    assert locked.status_code == 429 and not locked.signed_in
    # Those addresses are not locked: another user signs in from one of them.
    assert sign_in("alice", PASSWORD, address="10.0.1.0").signed_in


def test_signing_in_to_an_own_account_does_not_wipe_failures_against_another(org_member, outsider):
    fail("bob", 4, address=HERE)
    assert sign_in("mallory", PASSWORD, address=HERE).signed_in
    fail("bob", 1, address=HERE)
    assert sign_in("bob", PASSWORD, address=THERE).status_code == 429


def test_the_client_address_comes_from_the_proxy_header_only_when_configured(org_member, settings):
    for number in range(5):
        browser = Client(REMOTE_ADDR="10.9.9.9", HTTP_X_REAL_IP=f"198.51.100.{number}")
        browser.post("/accounts/login/", {"username": f"guess{number}", "password": "x"})
    # Without CLIENT_IP_HEADER the header is ignored: the proxy's address is what is locked.
    assert sign_in("bob", PASSWORD, address="10.9.9.9").status_code == 429
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    browser = Client(REMOTE_ADDR="10.9.9.9", HTTP_X_REAL_IP="198.51.100.77")
    browser.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert "_auth_user_id" in browser.session
    forwarded = Client(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.78")
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    forwarded.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    assert "_auth_user_id" in forwarded.session  # the right-most entry, not the forged left one


def test_a_superuser_unlocks_in_the_admin(org_member, superuser_http):
    fail("bob", 5)
    assert sign_in("bob", PASSWORD).status_code == 429
    listing = superuser_http.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "bob" in listing.content.decode()
    attempts = list(AccessAttempt.objects.filter(username="bob").values_list("pk", flat=True))
    response = superuser_http.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="bob").exists()
    assert sign_in("bob", PASSWORD).signed_in


def test_a_member_cannot_see_the_attempts(member_http):
    assert member_http.get("/admin/axes/accessattempt/").status_code == 302  # to admin login


def test_axes_reset_username_unlocks(org_member):
    fail("bob", 5)
    assert sign_in("bob", PASSWORD).status_code == 429
    call_command("axes_reset_username", "bob", stdout=StringIO())
    assert sign_in("bob", PASSWORD).signed_in


# --- bearer tokens ----------------------------------------------------------------------------


def api_get(token: str, address: str = HERE):
    return Client(REMOTE_ADDR=address).get(
        "/api/v1/orgs", headers={"Authorization": f"Bearer {token}"}
    )


def test_failed_tokens_are_throttled_with_retry_after(org, org_admin):
    _, good = api_token_create(user=org_admin, name="laptop")
    assert api_get(good).status_code == 200
    for _ in range(3):
        response = api_get("dlt_wrong")
        assert response.status_code == 401
    throttled = api_get("dlt_wrong")
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "too_many_requests"
    assert "Retry-After" in throttled.json()["error"]["message"]
    assert 1 <= int(throttled["Retry-After"]) <= 300
    # A valid token from the same address waits too; another address is not affected.
    assert api_get(good).status_code == 429
    assert api_get(good, address=THERE).status_code == 200
    assert api_get("dlt_wrong", address=THERE).status_code == 401


def test_a_successful_request_does_not_reset_the_count(org, org_admin):
    _, good = api_token_create(user=org_admin, name="laptop")
    for _ in range(2):
        assert api_get("dlt_wrong").status_code == 401
    assert api_get(good).status_code == 200
    assert api_get("dlt_wrong").status_code == 401
    assert api_get(good).status_code == 429


def test_the_throttle_lifts_when_the_window_passes(org, org_admin, settings):
    settings.API_TOKEN_FAILURE_WINDOW = 2
    _, good = api_token_create(user=org_admin, name="laptop")
    # Start at the beginning of a window so all failures fall into one.
    time.sleep(2 - time.time() % 2)
    for _ in range(3):
        assert api_get("dlt_wrong").status_code == 401
    throttled = api_get(good)
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) <= 2
    time.sleep(int(throttled["Retry-After"]) + 0.1)
    assert api_get(good).status_code == 200
