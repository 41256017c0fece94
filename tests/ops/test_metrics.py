"""/metrics: who may read it, and that the counters move when checks and pulls happen."""

import pytest

from integrations_site.integrations import services
from integrations_site.integrations.providers import get_provider, unregister
from integrations_site.integrations.pull import pull_credentials
from tests.integrations import fake_provider
from tests.integrations.fake_provider import GOOD_KEY, FakeProvider
from tests.ops.support import sample

TOKEN = "metrics-token-for-tests-0123456789"


@pytest.fixture
def fake(db):
    """The test-only provider (tests/integrations/fake_provider.py), registered."""
    if get_provider("fake") is None:
        fake_provider.register(FakeProvider)
    yield get_provider("fake")
    unregister("fake")
    fake_provider.register(FakeProvider)


def scrape(client, **extra) -> str:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_metrics_answer_loopback_by_default(client, db):
    text = scrape(client)  # the test client's REMOTE_ADDR is 127.0.0.1
    assert "integrations_task_queue_depth 0.0" in text


@pytest.mark.parametrize("address", ["203.0.113.7", "10.1.2.3", "2001:db8::1", "not-an-address"])
def test_metrics_404_from_an_address_outside_the_allowed_networks(client, db, address):
    assert client.get("/metrics", REMOTE_ADDR=address).status_code == 404


def test_metrics_from_a_network_allowed_by_setting(client, db, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_metrics_need_the_bearer_token_when_one_is_set(client, db, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    # The token does not open it from outside the networks.
    bearer = f"Bearer {TOKEN}"
    outside = client.get("/metrics", HTTP_AUTHORIZATION=bearer, REMOTE_ADDR="203.0.113.7")
    assert outside.status_code == 404


def test_request_latency_by_view_method_and_status_class(client, db):
    labels = {"view": "healthz", "method": "GET", "status": "2xx"}
    before = sample(scrape(client), "http_request_duration_seconds_count", **labels)
    client.get("/healthz")
    client.get("/healthz")
    assert sample(scrape(client), "http_request_duration_seconds_count", **labels) == before + 2
    not_found = {"view": "unmatched", "method": "GET", "status": "4xx"}
    before = sample(scrape(client), "http_request_duration_seconds_count", **not_found)
    client.get("/no/such/page/")
    assert sample(scrape(client), "http_request_duration_seconds_count", **not_found) == before + 1


def test_credential_checks_counted_by_provider_outcome_and_cause(client, org, org_admin, fake):
    name = "integrations_credential_checks_total"
    ok = {"provider": "fake", "outcome": "ok", "cause": "none"}
    failed = {"provider": "fake", "outcome": "failed", "cause": "key"}
    text = scrape(client)
    ok_before, failed_before = sample(text, name, **ok), sample(text, name, **failed)

    outcome = services.integration_create_checked(
        organization=org,
        created_by=org_admin,
        name="fake-one",
        provider=fake,
        credentials={"account": "acme", "api_key": GOOD_KEY},
    )
    services.integration_update_checked(
        integration=outcome.integration,
        provider=fake,
        credentials={"account": "acme", "api_key": "wrong-key"},
    )
    services.integration_check(integration=outcome.integration)

    text = scrape(client)
    assert sample(text, name, **ok) == ok_before + 1
    assert sample(text, name, **failed) == failed_before + 2


def test_pull_credentials_cache_hits_and_misses_counted(client, org, org_admin, fake):
    name = "integrations_pull_credentials_cache_total"
    text = scrape(client)
    hits, misses = sample(text, name, result="hit"), sample(text, name, result="miss")
    integration = services.integration_create(
        organization=org,
        created_by=org_admin,
        name="fake-pulls",
        provider=fake,
        credentials={"account": "acme", "api_key": GOOD_KEY},
    )
    pull_credentials(integration)  # minted: a miss
    pull_credentials(integration)  # from the cache: a hit
    pull_credentials(integration)
    text = scrape(client)
    assert sample(text, name, result="miss") == misses + 1
    assert sample(text, name, result="hit") == hits + 2
