"""boto3 clients are reused across requests (providers/aws/client.py): one per credentials,
Region, service and AWS environment, from a bounded LRU cache; replaced credentials get a new
one; checks keep a new client timed to their deadline."""

import threading

import pytest

from integrations_site.integrations import services
from integrations_site.integrations.models import Integration
from integrations_site.integrations.providers import get_provider
from integrations_site.integrations.providers.aws import client as aws
from integrations_site.integrations.providers.base import Deadline
from integrations_site.integrations.pull import pull_credentials
from tests.factories import CANARY_SECRET, VALID_SECRET, aws_fields, make_integration
from tests.fixtures.aws import REGION

AWS = get_provider("aws")


@pytest.fixture(autouse=True)
def _fresh_clients(aws_env):
    aws.forget_clients()
    yield
    aws.forget_clients()


def keys_of(integration: Integration) -> aws.AwsKeys:
    return AWS._aws(Integration.objects.get(pk=integration.pk).credentials)


def test_the_same_integration_gets_the_same_client(db, org):
    integration = make_integration(org, name="ecr")
    assert aws.aws_client("ecr", keys_of(integration)) is aws.aws_client(
        "ecr", keys_of(integration)
    )


def test_replaced_credentials_get_a_new_client(db, org):
    integration = make_integration(org, name="ecr")
    before = aws.aws_client("ecr", keys_of(integration))
    services.integration_update(
        integration=integration,
        provider=AWS,
        credentials=aws_fields(secret_access_key=CANARY_SECRET),
    )
    after = aws.aws_client("ecr", keys_of(integration))
    assert after is not before
    assert after._request_signer._credentials.secret_key == CANARY_SECRET


def test_region_service_and_keys_each_make_another_client():
    base = aws.AwsKeys("AKIAIOSFODNN7EXAMPLE", VALID_SECRET, "123456789012", "us-east-1")
    first = aws.aws_client("ecr", base)
    others = [
        aws.aws_client("sts", base),
        aws.aws_client("ecr", aws.AwsKeys(base.access_key_id, VALID_SECRET, "1", "eu-west-1")),
        aws.aws_client("ecr", aws.AwsKeys(base.access_key_id, CANARY_SECRET, "1", "us-east-1")),
    ]
    assert all(other is not first for other in others)
    assert others[1].meta.region_name == "eu-west-1"


def test_a_changed_aws_environment_gets_a_new_client(monkeypatch):
    base = aws.AwsKeys("AKIAIOSFODNN7EXAMPLE", VALID_SECRET, "123456789012", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    first = aws.aws_client("ecr", base)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:2")
    second = aws.aws_client("ecr", base)
    assert second is not first and second.meta.endpoint_url == "http://127.0.0.1:2"


def test_the_cache_is_bounded_and_least_recently_used_goes_first(monkeypatch):
    monkeypatch.setattr(aws, "CLIENT_CACHE_SIZE", 2)

    def keys(region: str) -> aws.AwsKeys:
        return aws.AwsKeys("AKIAIOSFODNN7EXAMPLE", VALID_SECRET, "123456789012", region)

    a = aws.aws_client("ecr", keys("us-east-1"))
    b = aws.aws_client("ecr", keys("us-west-2"))
    assert aws.aws_client("ecr", keys("us-east-1")) is a  # a is now the most recent
    aws.aws_client("ecr", keys("eu-west-1"))  # evicts b
    assert len(aws._clients) == 2
    assert aws.aws_client("ecr", keys("us-east-1")) is a
    assert aws.aws_client("ecr", keys("us-west-2")) is not b


def test_threads_share_one_client():
    base = aws.AwsKeys("AKIAIOSFODNN7EXAMPLE", VALID_SECRET, "123456789012", "us-east-1")
    found, start = [], threading.Barrier(8)

    def work() -> None:
        start.wait()
        found.append(aws.aws_client("ecr", base))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8 and all(client is found[0] for client in found)


def test_checks_get_a_new_client_timed_to_their_deadline():
    base = aws.AwsKeys("AKIAIOSFODNN7EXAMPLE", VALID_SECRET, "123456789012", "us-east-1")
    first = aws.aws_client("sts", base, Deadline(2.0))
    second = aws.aws_client("sts", base, Deadline(2.0))
    assert first is not second
    assert first.meta.config.read_timeout <= 2.0 * 0.7 / 2
    assert aws.aws_client("sts", base).meta.config.read_timeout == aws.READ_TIMEOUT
    with pytest.raises(aws.AwsUnreachable):
        aws.aws_client("sts", base, Deadline(0.5))


def test_uncached_pulls_reuse_the_client_against_aws(db, org, aws_endpoint, ecr_pull_keys):
    from django.core.cache import cache

    integration = make_integration(
        org,
        name="ecr",
        access_key_id=ecr_pull_keys.access_key_id,
        secret_access_key=ecr_pull_keys.secret_access_key,
    )
    first = pull_credentials(integration)
    cache.clear()  # the next pull is uncached again: it mints anew, with the same client
    second = pull_credentials(Integration.objects.get(pk=integration.pk))
    assert first.registry == second.registry == f"123456789012.dkr.ecr.{REGION}.amazonaws.com"
    assert len(aws._clients) == 1
