"""What moto's HTTP server (IAM enforced) answers to the calls the ECR credential check makes.

These pin the behaviour the feature's tests rely on; if a moto upgrade changes it, they say so.
No database: these tests do not touch Django models.
"""

import base64
import json
import socket
import time
from datetime import UTC, datetime

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from tests.fixtures.aws import (
    DEFAULT_ACCOUNT_ID,
    IMAGE_TAG,
    OTHER_ACCOUNT_ID,
    REGION,
    REPOSITORY,
    aws_error,
    different_secret,
    policy_document,
)

MISSING_DIGEST = "sha256:" + "c" * 64
INVALID_CLIENT_TOKEN = "The security token included in the request is invalid."
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)


def error_of(call, *args, **kwargs) -> ClientError:
    with pytest.raises(ClientError) as excinfo:
        call(*args, **kwargs)
    return excinfo.value


def status_of(exc: ClientError) -> int:
    return exc.response["ResponseMetadata"]["HTTPStatusCode"]


# -- 3a/3b: bad keys -----------------------------------------------------------------------------


def test_unknown_access_key_is_invalid_client_token_id(moto_server):
    fake = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "x" * 40}
    sts = moto_server._session.client(
        "sts", endpoint_url=moto_server.url, region_name=REGION, **fake
    )
    exc = error_of(sts.get_caller_identity)
    assert exc.response["Error"]["Code"] == "InvalidClientTokenId"
    assert exc.response["Error"]["Message"] == INVALID_CLIENT_TOKEN
    assert status_of(exc) == 403

    # ECR speaks JSON; moto still answers XML, so botocore reports the HTTP status as the code.
    ecr = moto_server._session.client(
        "ecr", endpoint_url=moto_server.url, region_name=REGION, **fake
    )
    exc = error_of(ecr.get_authorization_token)
    assert exc.response["Error"]["Code"] == "403"
    assert aws_error(exc) == ("InvalidClientTokenId", INVALID_CLIENT_TOKEN)


def test_wrong_secret_is_signature_does_not_match(moto_server, ecr_pull_keys):
    wrong = {
        "aws_access_key_id": ecr_pull_keys.access_key_id,
        "aws_secret_access_key": different_secret(ecr_pull_keys.secret_access_key),
    }
    sts = moto_server._session.client(
        "sts", endpoint_url=moto_server.url, region_name=REGION, **wrong
    )
    exc = error_of(sts.get_caller_identity)
    assert exc.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert exc.response["Error"]["Message"] == SIGNATURE_MISMATCH
    assert status_of(exc) == 403

    ecr = moto_server._session.client(
        "ecr", endpoint_url=moto_server.url, region_name=REGION, **wrong
    )
    exc = error_of(ecr.get_authorization_token)
    assert aws_error(exc) == ("SignatureDoesNotMatch", SIGNATURE_MISMATCH)


def test_deactivated_key_is_still_accepted_by_moto(moto_server):
    """moto checks that a key exists, not its Status: an Inactive key still works (real AWS
    answers InvalidClientTokenId). Deleting the key is the way to simulate a revoked key."""
    keys = moto_server.create_user(["ecr:GetAuthorizationToken"])
    moto_server.deactivate_key(keys)
    assert moto_server.client("sts", keys).get_caller_identity()["Arn"] == keys.arn
    moto_server.delete_key(keys)
    exc = error_of(moto_server.client("sts", keys).get_caller_identity)
    assert exc.response["Error"]["Code"] == "InvalidClientTokenId"


# -- 3c: GetCallerIdentity needs no permission ---------------------------------------------------


def test_caller_identity_needs_no_permission(moto_server, no_ecr_keys):
    identity = moto_server.client("sts", no_ecr_keys).get_caller_identity()
    assert identity["Account"] == DEFAULT_ACCOUNT_ID
    assert identity["Arn"] == f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:user/{no_ecr_keys.user_name}"
    assert identity["UserId"]


def test_caller_identity_survives_an_explicit_deny(moto_server):
    deny = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "sts:*", "Resource": "*"}],
        }
    )
    keys = moto_server.create_user(policy=deny)
    assert moto_server.client("sts", keys).get_caller_identity()["Arn"] == keys.arn


# -- 3d/3e: ECR without permission ---------------------------------------------------------------

ECR_CALLS = {
    "GetAuthorizationToken": ("get_authorization_token", {"registryIds": [DEFAULT_ACCOUNT_ID]}),
    "BatchCheckLayerAvailability": (
        "batch_check_layer_availability",
        {"repositoryName": REPOSITORY, "layerDigests": [MISSING_DIGEST]},
    ),
    "GetDownloadUrlForLayer": (
        "get_download_url_for_layer",
        {"repositoryName": REPOSITORY, "layerDigest": MISSING_DIGEST},
    ),
    "DescribeRepositories": ("describe_repositories", {"repositoryNames": [REPOSITORY]}),
    "DescribeImages": (
        "describe_images",
        {"repositoryName": REPOSITORY, "imageIds": [{"imageTag": IMAGE_TAG}]},
    ),
    "BatchGetImage": (
        "batch_get_image",
        {"repositoryName": REPOSITORY, "imageIds": [{"imageTag": IMAGE_TAG}]},
    ),
}


@pytest.mark.parametrize("action", sorted(ECR_CALLS))
def test_ecr_call_without_permission_is_access_denied(moto_server, ecr_image, no_ecr_keys, action):
    method, params = ECR_CALLS[action]
    exc = error_of(getattr(moto_server.client("ecr", no_ecr_keys), method), **params)
    assert status_of(exc) == 403
    assert exc.response["Error"]["Code"] == "403"  # raw botocore view (XML body on JSON API)
    assert "<Code>AccessDenied</Code>" in exc.response["Error"]["Message"]
    assert aws_error(exc) == (
        "AccessDenied",
        f"User: {no_ecr_keys.arn} is not authorized to perform: ecr:{action}",
    )


def test_token_only_user_gets_a_token_and_nothing_else(moto_server, ecr_image, token_only_keys):
    ecr = moto_server.client("ecr", token_only_keys)
    assert ecr.get_authorization_token(registryIds=[DEFAULT_ACCOUNT_ID])["authorizationData"]
    for action in sorted(set(ECR_CALLS) - {"GetAuthorizationToken"}):
        method, params = ECR_CALLS[action]
        code, message = aws_error(error_of(getattr(ecr, method), **params))
        assert code == "AccessDenied"
        assert message.endswith(f"ecr:{action}")


def test_repository_scoped_policy_never_matches_in_moto(moto_server, ecr_image):
    """moto authorizes ECR actions against resource "*" only: a policy naming the repository
    ARN denies what real AWS would allow. Use Resource "*" in fixtures."""
    repo_arn = f"arn:aws:ecr:{REGION}:{DEFAULT_ACCOUNT_ID}:repository/{REPOSITORY}"
    keys = moto_server.create_user(policy=policy_document(["ecr:DescribeImages"], repo_arn))
    ecr = moto_server.client("ecr", keys)
    code, _ = aws_error(error_of(ecr.describe_images, repositoryName=REPOSITORY))
    assert code == "AccessDenied"


# -- 3e: ECR with permission ---------------------------------------------------------------------


def test_pull_user_reads_repository_and_image(moto_server, ecr_image, ecr_pull_keys):
    ecr = moto_server.client("ecr", ecr_pull_keys)

    repos = ecr.describe_repositories(repositoryNames=[REPOSITORY])["repositories"]
    assert [r["repositoryName"] for r in repos] == [REPOSITORY]
    assert repos[0]["registryId"] == DEFAULT_ACCOUNT_ID
    assert repos[0]["repositoryUri"] == f"{ecr_image.registry}/{REPOSITORY}"

    details = ecr.describe_images(repositoryName=REPOSITORY, imageIds=[{"imageTag": IMAGE_TAG}])
    assert details["imageDetails"][0]["imageDigest"] == ecr_image.digest
    assert details["imageDetails"][0]["imageTags"] == [IMAGE_TAG]

    got = ecr.batch_get_image(
        repositoryName=REPOSITORY, imageIds=[{"imageTag": IMAGE_TAG}, {"imageTag": "9.9"}]
    )
    assert got["images"][0]["imageManifest"] == ecr_image.manifest
    assert got["failures"] == [
        {
            "imageId": {"imageTag": "9.9"},
            "failureCode": "ImageNotFound",
            "failureReason": "Requested image not found",
        }
    ]

    layers = ecr.batch_check_layer_availability(
        repositoryName=REPOSITORY, layerDigests=[*ecr_image.layer_digests, MISSING_DIGEST]
    )
    assert [(x["layerDigest"], x["layerAvailability"]) for x in layers["layers"]] == [
        (ecr_image.layer_digests[0], "AVAILABLE")
    ]
    assert layers["failures"] == [
        {
            "layerDigest": MISSING_DIGEST,
            "failureCode": "MissingLayerDigest",
            "failureReason": f"Layer digest '{MISSING_DIGEST}' could not be found",
        }
    ]


def test_pull_user_missing_repository_and_tag(moto_server, ecr_image, ecr_pull_keys):
    ecr = moto_server.client("ecr", ecr_pull_keys)
    not_found = (
        f"The repository with name 'nope/nope' does not exist in the registry with id "
        f"'{DEFAULT_ACCOUNT_ID}'"
    )
    calls = [
        (ecr.describe_repositories, {"repositoryNames": ["nope/nope"]}),
        (ecr.describe_images, {"repositoryName": "nope/nope"}),
        (ecr.batch_get_image, {"repositoryName": "nope/nope", "imageIds": [{"imageTag": "1"}]}),
        (
            ecr.batch_check_layer_availability,
            {"repositoryName": "nope/nope", "layerDigests": [MISSING_DIGEST]},
        ),
    ]
    for call, params in calls:
        exc = error_of(call, **params)
        assert exc.response["Error"]["Code"] == "RepositoryNotFoundException"  # proper JSON
        assert exc.response["Error"]["Message"] == not_found
        assert status_of(exc) == 400

    exc = error_of(ecr.describe_images, repositoryName=REPOSITORY, imageIds=[{"imageTag": "9.9"}])
    assert exc.response["Error"]["Code"] == "ImageNotFoundException"
    assert exc.response["Error"]["Message"] == (
        "The image with imageId {imageDigest:'null', imageTag:'9.9'} does not exist within the "
        f"repository with name '{REPOSITORY}' in the registry with id '{DEFAULT_ACCOUNT_ID}'"
    )


def test_get_download_url_for_layer_is_not_implemented_in_moto(moto_server, ecr_pull_keys):
    """Authorized, it reaches moto's NotImplementedError: HTTP 500, HTML body (and botocore
    retries 500s unless told not to). Only the AccessDenied case is usable in tests."""
    ecr = moto_server.client("ecr", ecr_pull_keys)
    exc = error_of(
        ecr.get_download_url_for_layer, repositoryName=REPOSITORY, layerDigest=MISSING_DIGEST
    )
    assert status_of(exc) == 500
    assert exc.response["Error"]["Code"] == "500"


# -- 3f: authorization token ---------------------------------------------------------------------


def test_authorization_token_shape(moto_server, token_only_keys):
    ecr = moto_server.client("ecr", token_only_keys)
    (data,) = ecr.get_authorization_token(registryIds=[DEFAULT_ACCOUNT_ID])["authorizationData"]
    assert set(data) == {"authorizationToken", "expiresAt", "proxyEndpoint"}
    assert (
        base64.b64decode(data["authorizationToken"])
        == f"AWS:{DEFAULT_ACCOUNT_ID}-auth-token".encode()
    )
    assert data["proxyEndpoint"] == f"https://{DEFAULT_ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com"
    # Fixed and in the past: don't let code under test reject an "expired" token.
    assert data["expiresAt"] == datetime(2015, 1, 1, tzinfo=UTC)

    # Without registryIds: the caller's account. Any other id is echoed, unchecked.
    (default,) = ecr.get_authorization_token()["authorizationData"]
    assert default == data
    (other,) = ecr.get_authorization_token(registryIds=["999999999999"])["authorizationData"]
    assert other["proxyEndpoint"].startswith("https://999999999999.dkr.ecr.")


# -- keys of another account ---------------------------------------------------------------------


def test_keys_of_another_account(moto_server, ecr_image, other_account_keys):
    identity = moto_server.client("sts", other_account_keys).get_caller_identity()
    assert identity["Account"] == OTHER_ACCOUNT_ID
    assert identity["Arn"] == f"arn:aws:iam::{OTHER_ACCOUNT_ID}:user/{other_account_keys.user_name}"

    # Asking for the default account's repository with them: moto looks in the caller's own
    # account's registry, so the repository is not found (it names the requested registry id).
    ecr = moto_server.client("ecr", other_account_keys)
    exc = error_of(
        ecr.describe_repositories, registryId=DEFAULT_ACCOUNT_ID, repositoryNames=[REPOSITORY]
    )
    assert exc.response["Error"]["Code"] == "RepositoryNotFoundException"
    assert f"'{DEFAULT_ACCOUNT_ID}'" in exc.response["Error"]["Message"]
    # ... but a token "for" the default registry is handed out without complaint.
    (data,) = ecr.get_authorization_token(registryIds=[DEFAULT_ACCOUNT_ID])["authorizationData"]
    assert DEFAULT_ACCOUNT_ID in data["proxyEndpoint"]


# -- 3g: unreachable endpoint --------------------------------------------------------------------


def _count_attempts(client) -> list[int]:
    sent = [0]

    def count(**_):
        sent[0] += 1

    client.meta.events.register("before-send", count)
    return sent


def test_closed_port_is_endpoint_connection_error(aws_env):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    keys = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "x" * 40}
    for retries, attempts in [
        ({"max_attempts": 1, "mode": "standard"}, 2),  # max_attempts = retries, not total
        ({"total_max_attempts": 1, "mode": "standard"}, 1),
    ]:
        config = Config(connect_timeout=2, read_timeout=5, retries=retries)
        for service in ("sts", "ecr"):
            client = boto3.client(service, endpoint_url=closed, config=config, **keys)
            sent = _count_attempts(client)
            started = time.monotonic()
            call = (
                client.get_caller_identity if service == "sts" else client.get_authorization_token
            )
            with pytest.raises(EndpointConnectionError) as excinfo:
                call()
            assert time.monotonic() - started < 1.5  # refused at once, no connect timeout
            assert sent[0] == attempts
            assert str(excinfo.value) == f'Could not connect to the endpoint URL: "{closed}/"'


def test_silent_listener_is_read_timeout(aws_env):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        endpoint = f"http://127.0.0.1:{listener.getsockname()[1]}"
        config = Config(
            connect_timeout=1, read_timeout=1, retries={"total_max_attempts": 1, "mode": "standard"}
        )
        sts = boto3.client(
            "sts",
            endpoint_url=endpoint,
            config=config,
            aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
            aws_secret_access_key="x" * 40,
        )
        started = time.monotonic()
        with pytest.raises(ReadTimeoutError):
            sts.get_caller_identity()
        assert 0.9 < time.monotonic() - started < 3


# -- 3h: AWS_ENDPOINT_URL ------------------------------------------------------------------------


def test_aws_endpoint_url_env_reaches_sts_and_ecr(aws_endpoint, moto_server, ecr_pull_keys):
    kwargs = ecr_pull_keys.boto_kwargs()
    sts = boto3.client("sts", **kwargs)
    ecr = boto3.client("ecr", **kwargs)
    assert sts.meta.endpoint_url == aws_endpoint
    assert ecr.meta.endpoint_url == aws_endpoint
    assert sts.meta.region_name == REGION
    assert sts.get_caller_identity()["Arn"] == ecr_pull_keys.arn
    assert ecr.get_authorization_token()["authorizationData"]


def test_aws_env_reads_no_real_credentials(aws_env):
    session = boto3.session.Session()
    assert session.get_credentials() is None
    assert session.region_name == REGION
    assert boto3.client("ecr").meta.endpoint_url == f"https://api.ecr.{REGION}.amazonaws.com"


# -- 3i: counting requests -----------------------------------------------------------------------


def test_recorder_counts_requests_per_key(moto_server, ecr_image, ecr_pull_keys, aws_requests):
    sts = moto_server.client("sts", ecr_pull_keys)
    ecr = moto_server.client("ecr", ecr_pull_keys)
    sts.get_caller_identity()
    ecr.get_authorization_token()
    ecr.describe_images(repositoryName=REPOSITORY, imageIds=[{"imageTag": IMAGE_TAG}])
    error_of(ecr.describe_images, repositoryName="nope/nope")

    assert aws_requests.actions(access_key_id=ecr_pull_keys.access_key_id) == [
        "sts:GetCallerIdentity",
        "ecr:GetAuthorizationToken",
        "ecr:DescribeImages",
        "ecr:DescribeImages",
    ]
    assert len(aws_requests.received(service="ecr", action="DescribeImages")) == 2

    # Rejected requests are recorded too (they reached the server).
    denied = moto_server.create_user()
    error_of(moto_server.client("ecr", denied).describe_repositories)
    assert aws_requests.actions(access_key_id=denied.access_key_id) == ["ecr:DescribeRepositories"]

    # A "cache hit" assertion: nothing new for these keys after a reset.
    aws_requests.reset()
    assert aws_requests.received(access_key_id=ecr_pull_keys.access_key_id) == []
