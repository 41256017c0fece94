"""Token authentication does no write per request and no lookup for a busy client: the found
row is cached for a minute, and revoking, deleting or deactivating purges it at once."""

import uuid
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
from integrations_site.organizations.models import Membership
from integrations_site.organizations.services import (
    member_add,
    member_remove,
    member_role_change,
    membership_set,
)
from tests.factories import make_org, make_user

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


# --- the user's memberships, cached with the token -------------------------------------------


def membership_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "organizations_membership" in q["sql"]]


def test_a_busy_client_costs_no_membership_query(call):
    call()
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            assert call().status_code == 200
        assert membership_queries(queries) == []


def test_a_removed_member_is_refused_at_once(client, org, org_admin, org_member):
    raw = api_token_create(user=org_member, name="bob's")[1]
    url = f"/api/v1/orgs/{org.pk}/integrations"
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get(url, headers=headers).status_code == 200  # cached with the membership
    member_remove(membership=Membership.objects.get(user=org_member, organization=org))
    assert client.get(url, headers=headers).status_code == 404


def test_a_demoted_admin_is_refused_at_once(client, org, org_admin, org_member, raw):
    membership_set(organization=org, user=org_member, role=Membership.Role.ADMIN)  # another admin
    headers = {"Authorization": f"Bearer {raw}"}
    url = f"/api/v1/orgs/{org.pk}/integrations/{uuid.uuid4()}"
    # An admin's delete of no such integration is a 404 (past the role check)...
    assert client.delete(url, headers=headers).status_code == 404
    member_role_change(
        membership=Membership.objects.get(user=org_admin, organization=org),
        role=Membership.Role.MEMBER,
    )
    # ...a member's is refused before the lookup.
    assert client.delete(url, headers=headers).status_code == 403


def test_a_new_membership_and_a_new_name_show_at_once(client, org, org_admin, raw):
    headers = {"Authorization": f"Bearer {raw}"}
    elsewhere = make_org("Initech", admin=make_user("carol"))
    url = f"/api/v1/orgs/{elsewhere.pk}/integrations"
    assert client.get(url, headers=headers).status_code == 404
    member_add(organization=elsewhere, user=org_admin, role=Membership.Role.MEMBER)
    assert client.get(url, headers=headers).status_code == 200
    org.name = "Acme Renamed"
    org.save()
    cached = ApiToken.objects.for_bearer(raw).memberships[str(org.pk)]
    assert cached.organization.name == "Acme Renamed"


def test_a_lookup_that_raced_a_removal_cannot_cache_the_old_membership(
    client, org, org_admin, org_member
):
    raw = api_token_create(user=org_member, name="bob's")[1]
    stale = ApiToken.objects.for_bearer(raw)  # read before the removal commits
    assert str(org.pk) in stale.memberships
    cache.delete(_cache_key(hash_token(raw)))
    member_remove(membership=Membership.objects.get(user=org_member, organization=org))
    assert cache.add(_cache_key(hash_token(raw)), stale, timeout=TOKEN_CACHE_SECONDS) is False
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get(f"/api/v1/orgs/{org.pk}/integrations", headers=headers).status_code == 404
