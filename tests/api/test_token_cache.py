"""Token authentication does no write per request and no lookup for a busy client: the found
row is cached for a minute, and revoking, deleting or deactivating purges it at once."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations_site.api.models import (
    TOKEN_CACHE_SECONDS,
    ApiToken,
    _cache_key,
    _touched,
    hash_token,
)
from integrations_site.api.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def token_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "api_apitoken" in q["sql"]]


@pytest.fixture
def raw(org, org_admin):
    return api_token_create(user=org_admin, name="busy")[1]


@pytest.fixture
def call(client, org, raw):
    def call(token: str | None = None):
        headers = {"Authorization": f"Bearer {token or raw}"}
        return client.get(f"/api/v1/orgs/{org.pk}/integrations", headers=headers)

    return call


def test_a_busy_client_costs_no_token_query_and_no_write(call):
    with CaptureQueriesContext(connection) as first:
        assert call().status_code == 200
    found = token_queries(first)
    assert len(found) == 2 and found[0].startswith("SELECT") and found[1].startswith("UPDATE")
    for _ in range(3):
        with CaptureQueriesContext(connection) as later:
            assert call().status_code == 200
        assert token_queries(later) == []


def test_last_use_is_written_at_most_once_a_minute(call, raw):
    call()
    used = ApiToken.objects.get().last_used_at
    assert used is not None
    call()
    assert ApiToken.objects.get().last_used_at == used
    # A minute on: the gate and this process's memory of it have run out (cleared here) and
    # the row says it is old.
    token = ApiToken.objects.get()
    _touched.clear()
    cache.delete(f"api-token-used:{token.pk}")
    cache.delete(_cache_key(hash_token(raw)))
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=used - timedelta(minutes=2))
    call()
    assert ApiToken.objects.get().last_used_at > used - timedelta(minutes=2)


def test_the_gate_lets_one_process_write_for_all(raw, org_admin):
    """Two copies of the row (two processes) both think it is stale: only one writes."""
    first, second = ApiToken.objects.get(), ApiToken.objects.get()
    with CaptureQueriesContext(connection) as queries:
        first.touch()
        second.touch()
    assert len([sql for sql in token_queries(queries) if sql.startswith("UPDATE")]) == 1


def test_revocation_takes_effect_at_once_despite_the_cache(call, raw):
    assert call().status_code == 200
    assert isinstance(cache.get(_cache_key(hash_token(raw))), ApiToken)  # cached
    api_token_revoke(token=ApiToken.objects.get())
    assert call().status_code == 401


def test_a_lookup_that_raced_the_revocation_cannot_cache_the_row_again(call, raw):
    stale = ApiToken.objects.for_bearer(raw)  # read before the revocation commits
    cache.delete(_cache_key(hash_token(raw)))
    api_token_revoke(token=ApiToken.objects.get())
    # The racing request now tries to cache what it read: the purge mark refuses it.
    assert cache.add(_cache_key(hash_token(raw)), stale, timeout=TOKEN_CACHE_SECONDS) is False
    assert call().status_code == 401


def test_deleting_the_token_purges_it(call):
    assert call().status_code == 200
    ApiToken.objects.all().delete()  # the admin revokes by deleting
    assert call().status_code == 401


def test_deactivating_the_user_purges_their_tokens(call, org_admin):
    assert call().status_code == 200
    org_admin.is_active = False
    org_admin.save()
    assert call().status_code == 401


def test_an_expired_cached_row_is_refused(call, raw):
    assert call().status_code == 200
    key = _cache_key(hash_token(raw))
    cached = cache.get(key)
    cached.expires_at = timezone.now() - timedelta(seconds=1)
    cache.set(key, cached, timeout=TOKEN_CACHE_SECONDS)
    assert ApiToken.objects.for_bearer(raw) is None


def test_the_cache_never_holds_the_users_password_hash(call, raw, org_admin):
    call()
    cached = cache.get(_cache_key(hash_token(raw)))
    assert "password" in cached.user.get_deferred_fields()
    assert cached.user.username == org_admin.username
