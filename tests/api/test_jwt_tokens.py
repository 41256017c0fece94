"""API tokens in JWT form (issue 12): what a token carries, what the server checks (signature,
expiry, revocation, the stored hash), older "dlt_" tokens, the tokens page's hint, the log mask
and the error shape the platform's SDK reads."""

import base64
import json
import logging
import secrets
import time
import uuid
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from integrations_site.api import jwt_tokens
from integrations_site.api.models import ApiToken, hash_token
from integrations_site.api.services import (
    api_token_create,
    api_token_revoke,
    runtime_token_create,
)
from integrations_site.logging import MASK, SecretMaskingFilter, mask_secrets

pytestmark = pytest.mark.django_db


def segments(raw: str) -> tuple[dict, dict]:
    """Header and payload, decoded by hand: no library decides what they say."""

    def part(text: str) -> dict:
        return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))

    header, payload, _signature = raw.split(".")
    return part(header), part(payload)


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def org_url(org) -> str:
    return f"/api/v1/orgs/{org.pk}"


def stored_token(user, raw: str, **fields) -> ApiToken:
    """A token row whose hash is `raw`'s, for tokens this test signs itself."""
    return ApiToken.objects.create(
        user=user,
        created_by=user,
        name="hand-made",
        hint=raw[-6:],
        token_hash=hash_token(raw),
        expires_at=fields.pop("expires_at", timezone.now() + timedelta(days=1)),
        **fields,
    )


def signed(claims: dict, key: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key or settings.API_TOKEN_SIGNING_KEY, algorithm=algorithm)


def claims_for(user, *, exp_in: timedelta = timedelta(hours=1)) -> dict:
    now = timezone.now()
    return {
        "sub": str(user.pk),
        "email": user.email,
        "kind": "user",
        "iat": int(now.timestamp()),
        "exp": int((now + exp_in).timestamp()),
        "jti": str(uuid.uuid4()),
    }


# --- what a token is ---------------------------------------------------------------------------


def test_a_personal_token_is_an_hs256_jwt_with_the_claims(org_admin):
    org_admin.email = "alice@example.com"
    org_admin.save()
    before = timezone.now()
    token, raw = api_token_create(user=org_admin, name="laptop")
    header, claims = segments(raw)
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims["sub"] == str(org_admin.pk) and claims["email"] == "alice@example.com"
    assert claims["kind"] == "user" and "org" not in claims
    assert claims["jti"] == str(token.pk)
    assert abs(claims["iat"] - before.timestamp()) < 5
    # One year by default, and the same instant the server keeps.
    assert claims["exp"] == int(token.expires_at.timestamp())
    assert token.expires_at - before >= timedelta(days=365)
    assert token.expires_at - before < timedelta(days=365, minutes=1)
    # Signed with the dedicated key, and with nothing else the site holds.
    assert jwt.decode(raw, settings.API_TOKEN_SIGNING_KEY, algorithms=["HS256"])["jti"]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(raw, settings.SECRET_KEY, algorithms=["HS256"])
    # Only the hash of the whole token is stored; the hint is its last six characters.
    assert token.token_hash == hash_token(raw) and token.hint == raw[-6:]
    assert raw not in str(ApiToken.objects.values().get())


def test_a_runtime_token_names_its_organization_and_no_one(org, org_admin):
    token, raw = runtime_token_create(
        organization=org, created_by=org_admin, name="cluster", expires_in_days=30
    )
    _header, claims = segments(raw)
    assert claims["kind"] == "runtime" and claims["org"] == str(org.pk)
    assert claims["sub"] == f"runtime:{token.pk}" and claims["email"] is None
    assert claims["exp"] - claims["iat"] == pytest.approx(30 * 86400, abs=2)


def test_settings_refuse_a_short_or_shared_signing_key():
    assert len(settings.API_TOKEN_SIGNING_KEY.encode()) >= 32
    assert settings.API_TOKEN_SIGNING_KEY not in (
        settings.SECRET_KEY,
        settings.INTEGRATIONS_ENCRYPTION_KEYS,
    )


# --- what the server checks --------------------------------------------------------------------


def test_a_signed_unexpired_stored_token_works(client, org, org_admin):
    raw = signed(claims_for(org_admin))
    stored_token(org_admin, raw)
    assert client.get(org_url(org), headers=bearer(raw)).status_code == 200


def test_a_token_signed_with_another_key_is_refused_even_if_stored(client, org, org_admin):
    raw = signed(claims_for(org_admin), key="another-key-" + "k" * 40)
    stored_token(org_admin, raw)
    response = client.get(org_url(org), headers=bearer(raw))
    assert response.status_code == 401


def test_an_expired_jwt_is_refused_though_its_row_has_not_expired(client, org, org_admin):
    raw = signed(claims_for(org_admin, exp_in=-timedelta(seconds=5)))
    stored_token(org_admin, raw, expires_at=timezone.now() + timedelta(days=1))
    assert client.get(org_url(org), headers=bearer(raw)).status_code == 401


def test_a_token_verified_before_is_refused_once_it_expires(client, org, org_admin):
    # The process keeps the tokens it has verified; the expiry is checked on every request.
    claims = claims_for(org_admin, exp_in=timedelta(seconds=2))
    raw = signed(claims)
    stored_token(org_admin, raw)
    assert client.get(org_url(org), headers=bearer(raw)).status_code == 200
    assert client.get(org_url(org), headers=bearer(raw)).status_code == 200
    time.sleep(max(0.0, claims["exp"] - time.time()) + 0.05)
    assert client.get(org_url(org), headers=bearer(raw)).status_code == 401


def test_a_token_verified_under_one_signing_key_is_refused_under_another(client, org, org_admin):
    raw = signed(claims_for(org_admin))
    stored_token(org_admin, raw)
    assert client.get(org_url(org), headers=bearer(raw)).status_code == 200
    with override_settings(API_TOKEN_SIGNING_KEY="a-new-signing-key-" + "n" * 40):
        assert client.get(org_url(org), headers=bearer(raw)).status_code == 401
    assert client.get(org_url(org), headers=bearer(raw)).status_code == 200


def test_the_verified_tokens_kept_are_bounded(org_admin):
    for _ in range(jwt_tokens.VERIFIED_MAX + 50):
        assert jwt_tokens.token_claims(signed(claims_for(org_admin))) is not None
    assert len(jwt_tokens._VERIFIED) <= jwt_tokens.VERIFIED_MAX
    # A forged string is never kept, and the newest real one still is.
    newest = signed(claims_for(org_admin))
    assert jwt_tokens.token_claims(newest + "x") is None
    assert jwt_tokens.token_claims(newest) is not None
    assert jwt_tokens.verified_key(newest) in jwt_tokens._VERIFIED
    assert jwt_tokens.verified_key(newest + "x") not in jwt_tokens._VERIFIED
    # What is kept names no token: no key or value holds one.
    kept = repr(list(jwt_tokens._VERIFIED.items()))
    assert newest not in kept and newest.split(".")[2] not in kept


def test_an_unsigned_token_is_refused(client, org, org_admin):
    raw = jwt.encode(claims_for(org_admin), key=None, algorithm="none")
    stored_token(org_admin, raw)
    assert client.get(org_url(org), headers=bearer(raw)).status_code == 401


def test_a_token_with_a_changed_payload_is_refused(client, org, org_admin, org_member):
    _, raw = api_token_create(user=org_member, name="bob")
    header, _payload, signature = raw.split(".")
    _h, claims = segments(raw)
    claims["sub"] = str(org_admin.pk)
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    forged = f"{header}.{forged_payload}.{signature}"
    assert client.get(org_url(org), headers=bearer(forged)).status_code == 401
    assert client.get(org_url(org), headers=bearer(raw)).status_code == 200


def test_revocation_takes_effect_at_once(client, org, org_admin):
    token, raw = api_token_create(user=org_admin, name="ci")
    assert client.get(org_url(org), headers=bearer(raw)).status_code == 200
    api_token_revoke(token=token)
    assert client.get(org_url(org), headers=bearer(raw)).status_code == 401


def test_an_older_dlt_token_works_until_revoked(client, org, org_admin):
    raw = "dlt_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=org_admin, created_by=org_admin, name="old", hint=raw[:10], token_hash=hash_token(raw)
    )
    assert client.get(org_url(org), headers=bearer(raw)).status_code == 200
    assert str(token) == f"old ({raw[:10]}…)"
    api_token_revoke(token=token)
    assert client.get(org_url(org), headers=bearer(raw)).status_code == 401


# --- the tokens page ---------------------------------------------------------------------------


def test_the_page_tells_tokens_apart_by_their_last_characters(admin_http, org_admin):
    response = admin_http.post("/tokens/new/", {"name": "laptop", "expires_in_days": "30"})
    raw = response.content.decode().split('id="new-token"', 1)[0].rsplit('value="', 1)[1]
    raw = raw.split('"', 1)[0]
    token = ApiToken.objects.get()
    assert token.token_hash == hash_token(raw)
    assert (token.expires_at - timezone.now()).days in (29, 30)
    listing = admin_http.get("/tokens/").content.decode()
    assert f"…{raw[-6:]}" in listing and raw not in listing
    # The JWT header is the same for every token: it never stands for one.
    assert raw.split(".")[0] not in listing


def test_the_page_offers_no_token_without_expiry(admin_http):
    page = admin_http.get("/tokens/").content.decode()
    assert ">Never</option>" not in page and ">1 year</option>" in page


# --- the log mask ------------------------------------------------------------------------------


def test_the_log_mask_hides_jwt_tokens(org_admin):
    _, raw = api_token_create(user=org_admin, name="t")
    for text in (f"sent {raw} to", f"Authorization: Bearer {raw}", f"url?token={raw}&x=1"):
        masked = mask_secrets(text)
        assert raw not in masked and raw.split(".")[2] not in masked, masked
        assert raw.split(".")[1] not in masked
    assert mask_secrets(f"got {raw}.") == f"got eyJ{MASK}."
    # Through the filter every configured handler has.
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed with %s", (raw,), None)
    SecretMaskingFilter().filter(record)
    assert record.getMessage() == f"failed with eyJ{MASK}"


# --- the error shape ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/v1/orgs", 401), ("/api/v1/no-such-path", 404)],
)
def test_errors_carry_message_and_status_on_top(client, path, status):
    response = client.get(path)
    body = response.json()
    assert response.status_code == status
    assert set(body) == {"error", "message", "status"}
    assert body["message"] == body["error"]["message"] and body["status"] == status


def test_field_errors_keep_their_fields_under_error(client, org, org_admin):
    _, raw = api_token_create(user=org_admin, name="t")
    response = client.post(
        f"/api/v1/orgs/{org.pk}/integrations",
        data=json.dumps({"name": "x"}),
        content_type="application/json",
        headers=bearer(raw),
    )
    body = response.json()
    assert response.status_code == 400 and body["status"] == 400
    assert body["message"] == "The request has invalid fields."
    assert {"type", "options"} <= set(body["error"]["fields"])


@pytest.mark.parametrize("raw", ["a.b\ud800.c", "dlt_\ud800", "a.b.c\x00", "x" * 20000 + ".y.z"])
def test_a_malformed_bearer_token_is_refused_not_an_error(client, org, org_admin, raw):
    # Lone surrogates reach META only through a WSGI server that decodes oddly (or the test
    # client), NUL bytes and huge values through any: each is a plain 401.
    assert client.get(org_url(org), headers=bearer(raw)).status_code == 401
