"""Everything that talks to AWS, through boto3: key and ECR checks, ECR logins, image lookups.

Endpoints come from botocore's standard ``AWS_ENDPOINT_URL`` (and ``AWS_ENDPOINT_URL_<SERVICE>``)
variables, so the same code talks to AWS or to a local emulator. Every client gets the
credentials explicitly (never the machine's own profile) and bounded timeouts, and a whole
check finishes within ``CHECK_DEADLINE_SECONDS``.

No call here writes to the user's registry: the repository checks use read-only calls with a
digest that cannot exist.

Longer than most modules on purpose: every boto3 call of the AWS providers lives here, behind
one deadline policy and one client cache, so no other module needs to know botocore."""

import base64
import hashlib
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import astuple, dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, ReadTimeoutError
from django.views.decorators.debug import sensitive_variables

if TYPE_CHECKING:  # imported on first use: boto3 costs ~0.1 s at every start-up
    import boto3
    from botocore.config import Config

from ..base import (
    CHECK_DEADLINE_SECONDS,
    CheckResult,
    Deadline,
    ImageMissing,
    PullCredentials,
    RegistryRefused,
    RegistryUnreachable,
    Step,
)

TOKEN_LIFETIME = timedelta(hours=12)  # ECR authorization tokens
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
# A digest no layer has: repository calls answer "not found" when allowed, AccessDenied if not.
PROBE_DIGEST = "sha256:" + "0" * 64


class AwsUnreachable(RegistryUnreachable):
    """No answer from AWS (refused, DNS, TLS, timeout)."""


@dataclass(frozen=True)
class AwsKeys:
    """An access key pair and the account and Region it is used in (account may be ''); an
    assumed role's temporary keys carry their session token too."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    account: str
    region: str
    session_token: str = field(default="", repr=False)


# Endpoint prefixes of the services whose Regions the forms offer (a service model's
# "endpointPrefix"); any other service is looked up in its model.
_ENDPOINT_PREFIXES = {"ecr": "api.ecr", "s3": "s3"}


# How the Region list names each partition: regions outside the commercial one need an
# account of their own there, so they are listed apart, last.
PARTITION_GROUPS = {
    "aws": "AWS Regions",
    "aws-cn": "China (a separate AWS China account)",
    "aws-us-gov": "AWS GovCloud (US) (a separate GovCloud account)",
}
OTHER_PARTITIONS = "Isolated and sovereign partitions (separate accounts)"


@cache
def _regions_by_partition(service: str) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """(partition, ((code, description), ...)) for every partition botocore knows, read from
    its endpoint data once per process, without a boto3 session (which loads far more)."""
    from botocore.loaders import create_loader
    from botocore.regions import EndpointResolver

    loader = create_loader()
    prefix = _ENDPOINT_PREFIXES.get(service)
    if prefix is None:
        prefix = loader.load_service_model(service, "service-2")["metadata"]["endpointPrefix"]
    data = loader.load_data("endpoints")
    resolver = EndpointResolver(data)
    described = {
        partition["partition"]: {
            code: region.get("description", code)
            for code, region in partition.get("regions", {}).items()
        }
        for partition in data["partitions"]
    }
    found = []
    for partition in resolver.get_available_partitions():
        codes = sorted(resolver.get_available_endpoints(prefix, partition))
        names = described.get(partition, {})
        found.append((partition, tuple((code, names.get(code, code)) for code in codes)))
    return tuple(found)


def available_regions(service: str) -> list[str]:
    """Every Region botocore knows for `service`, across partitions (aws, aws-cn, gov...)."""
    return sorted(code for _, regions in _regions_by_partition(service) for code, _ in regions)


def region_choices(service: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a Region select: "US East (N. Virginia) — us-east-1", commercial
    Regions first, the partitions that need an account of their own under their own heading."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for partition, regions in _regions_by_partition(service):
        label = PARTITION_GROUPS.get(partition, OTHER_PARTITIONS)
        groups.setdefault(label, []).extend(
            (code, f"{name} — {code}" if name != code else code) for code, name in regions
        )
    order = [*PARTITION_GROUPS.values(), OTHER_PARTITIONS]
    return [
        (label, sorted(groups[label], key=lambda choice: choice[1]))
        for label in order
        if groups.get(label)
    ]


# Clients of calls without a deadline (logins, image lookups), kept per credentials, Region,
# service and AWS environment: building one is most of an uncached pull's time.
CLIENT_CACHE_SIZE = 256
_lock = threading.Lock()  # boto3 sessions are not thread-safe; botocore clients are
_clients: OrderedDict[bytes, Any] = OrderedDict()
_sessions: dict[bytes, "boto3.session.Session"] = {}
# Cache keys are keyed digests of the credentials: no secret sits in a key, even in memory.
_DIGEST_KEY = os.urandom(32)
# Credentials in the environment are never used (every client gets its own explicitly).
_ENV_CREDENTIALS = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}


def _environment() -> bytes:
    """What of the environment shapes a client: endpoints (AWS_ENDPOINT_URL…), config files,
    CA bundle, proxies. A change gives new sessions and clients, never a stale endpoint."""
    digest = hashlib.blake2b(key=_DIGEST_KEY, digest_size=16)
    for name in sorted(os.environ):
        upper = name.upper()
        if (upper.startswith("AWS_") and upper not in _ENV_CREDENTIALS) or upper.endswith("_PROXY"):
            digest.update(f"{name}={os.environ[name]}\0".encode())
    return digest.digest()


def _session(environment: bytes) -> "boto3.session.Session":
    """One session per environment (call with the lock held): its loaded service models make
    each new client cheap (~2 ms instead of ~80 ms for a session of its own)."""
    session = _sessions.get(environment)
    if session is None:
        _sessions.clear()  # the environment changed (tests, mostly): start over
        _clients.clear()
        import boto3

        session = _sessions[environment] = boto3.session.Session()
    return session


def _config(deadline: Deadline | None) -> "Config":
    connect, read, attempts = CONNECT_TIMEOUT, READ_TIMEOUT, 2
    if deadline is not None:
        # Split what is left of the deadline over the attempts, so that even an endpoint that
        # accepts connections and never answers can't take the check past it.
        remaining = deadline.remaining() - 0.25
        if remaining <= 0.5:
            raise AwsUnreachable("deadline passed")
        per_attempt = remaining / attempts
        connect = min(connect, per_attempt * 0.3)
        read = min(read, per_attempt * 0.7)
    from botocore.config import Config  # on first use, like boto3

    return Config(
        connect_timeout=connect,
        read_timeout=read,
        # total_max_attempts counts the first send too (max_attempts counts only retries).
        retries={"total_max_attempts": attempts, "mode": "standard"},
        user_agent_extra="integrations-site",
    )


@sensitive_variables()
def _new_client(session: "boto3.session.Session", service: str, credentials: AwsKeys, config):
    return session.client(
        service,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token or None,
        region_name=credentials.region,
        config=config,
    )


@sensitive_variables()
def aws_client(service: str, credentials: AwsKeys, deadline: Deadline | None = None):
    """A botocore client for `service` signing with `credentials`.

    With a deadline (checks), a new client whose timeouts fit what is left of it. Without
    one, a client shared by every call with the same credentials, Region and service, from a
    bounded LRU cache: replaced credentials are other credentials, so they get a new client."""
    environment = _environment()
    if deadline is not None:
        config = _config(deadline)
        with _lock:
            return _new_client(_session(environment), service, credentials, config)
    digest = hashlib.blake2b(key=_DIGEST_KEY, digest_size=16)
    for part in (service, *astuple(credentials)):
        digest.update(f"{part}\0".encode())
    key = environment + digest.digest()
    with _lock:
        client = _clients.get(key)
        if client is not None:
            _clients.move_to_end(key)
            return client
        client = _new_client(_session(environment), service, credentials, _config(None))
        _clients[key] = client
        if len(_clients) > CLIENT_CACHE_SIZE:
            _clients.popitem(last=False)
        return client


def forget_clients() -> None:
    """Drop every cached client and session (tests)."""
    with _lock:
        _clients.clear()
        _sessions.clear()


def aws_call(deadline: Deadline | None, function: Callable, **kwargs):
    if deadline is not None and deadline.remaining() <= 0.25:
        raise AwsUnreachable("deadline passed")
    try:
        return function(**kwargs)
    except (ConnectionError, ReadTimeoutError) as error:
        raise AwsUnreachable(type(error).__name__) from None
    except BotoCoreError as error:
        # e.g. a TLS failure or an unparsable endpoint: no useful answer from AWS.
        if deadline is not None and deadline.remaining() <= 0:
            raise AwsUnreachable("deadline passed") from None
        raise AwsUnreachable(type(error).__name__) from None


_XML_CODE = re.compile(r"<Code>([^<]{1,100})</Code>")


def error_code(error: ClientError) -> str:
    """The AWS error code. Some endpoints (emulators, proxies) answer a JSON-protocol service
    with a query-protocol XML error; botocore then reports the HTTP status as the code and the
    XML as the message, so read the code out of the XML."""
    details = error.response.get("Error", {})
    code = str(details.get("Code", ""))
    if code.isdigit():
        found = _XML_CODE.search(str(details.get("Message", "")))
        if found:
            return found.group(1)
    return code


def _is_denied(error: ClientError) -> bool:
    return error_code(error) in {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}


_KEY_ERRORS = {
    "InvalidClientTokenId": "The Access Key ID does not exist or is not active.",
    "InvalidSignatureException": "The Secret Access Key does not match this Access Key ID.",
    "UnrecognizedClientException": "The Access Key ID does not exist or is not active.",
    "InvalidAccessKeyId": "The Access Key ID does not exist or is not active.",
    "SignatureDoesNotMatch": "The Secret Access Key does not match this Access Key ID.",
    "IncompleteSignature": "The Secret Access Key does not match this Access Key ID.",
    "ExpiredToken": "These keys have expired.",
    "ExpiredTokenException": "These keys have expired.",
    "AccessDenied": "The IAM identity is not allowed sts:GetCallerIdentity.",
}


@sensitive_variables()
def check_ecr(credentials: AwsKeys, *, repository: str = "") -> CheckResult:
    """Run the named checks in order; each failure says what to fix."""
    return _check(credentials, registry=True, repository=repository)


@sensitive_variables()
def check_keys(credentials: AwsKeys) -> CheckResult:
    """Only the first step: are these keys valid (STS GetCallerIdentity)?"""
    return _check(credentials, registry=False)


@sensitive_variables()
def _check(credentials: AwsKeys, *, registry: bool, repository: str = "") -> CheckResult:
    steps = [Step("keys", "Keys valid")]
    if registry:
        steps += [Step("account", "Account matches"), Step("registry", "Registry access")]
        if repository:
            steps.append(Step("repository", f"Repository access ({repository})"))
    result = CheckResult(steps=steps)
    deadline = Deadline(CHECK_DEADLINE_SECONDS)
    try:
        _run_steps(credentials, deadline, steps, repository)
    except AwsUnreachable:
        result.unreachable = True
        failed = next(step for step in steps if step.ok is None)
        failed.ok, failed.message = False, f"Could not reach AWS in {credentials.region}."
    return result


def _run_steps(credentials: AwsKeys, deadline: Deadline, steps: list[Step], repository):
    """Fill in the steps in order, stopping at the first failure."""
    keys = steps[0]
    sts = aws_client("sts", credentials, deadline)
    try:
        identity = aws_call(deadline, sts.get_caller_identity)
    except ClientError as error:
        code = error_code(error)
        keys.ok, keys.message = False, _KEY_ERRORS.get(code, f"AWS refused the keys ({code}).")
        return
    arn = identity["Arn"]
    keys.ok, keys.message = True, f"Signed in as {arn}."
    if len(steps) == 1:
        return

    account, registry = steps[1], steps[2]
    if identity["Account"] != credentials.account:
        account.ok = False
        account.message = (
            f"These keys belong to account {identity['Account']}, not {credentials.account}."
        )
        return
    account.ok, account.message = True, f"Account {credentials.account}."

    ecr = aws_client("ecr", credentials, deadline)
    try:
        aws_call(deadline, ecr.get_authorization_token, registryIds=[credentials.account])
    except ClientError as error:
        registry.ok = False
        registry.message = (
            f"The IAM identity {arn} is not allowed ecr:GetAuthorizationToken."
            if _is_denied(error)
            else f"ECR refused GetAuthorizationToken in {credentials.region} ({error_code(error)})."
        )
        return
    registry.ok, registry.message = True, f"Can pull from ECR in {credentials.region}."
    if repository:
        _check_repository(ecr, deadline, credentials, repository, arn, steps[3])


def _check_repository(ecr, deadline, credentials, repository, arn, step: Step) -> None:
    common = {"registryId": credentials.account, "repositoryName": repository}
    probes = [
        (
            "ecr:DescribeRepositories",
            ecr.describe_repositories,
            {"registryId": credentials.account, "repositoryNames": [repository]},
        ),
        (
            "ecr:BatchCheckLayerAvailability",
            ecr.batch_check_layer_availability,
            {**common, "layerDigests": [PROBE_DIGEST]},
        ),
        (
            "ecr:GetDownloadUrlForLayer",
            ecr.get_download_url_for_layer,
            {**common, "layerDigest": PROBE_DIGEST},
        ),
    ]
    missing: list[str] = []
    for permission, function, kwargs in probes:
        try:
            aws_call(deadline, function, **kwargs)
        except ClientError as error:
            code = error_code(error)
            if _is_denied(error):
                missing.append(permission)
            elif code == "RepositoryNotFoundException":
                step.ok = False
                step.message = (
                    f"Repository {repository} not found in account {credentials.account} "
                    f"({credentials.region})."
                )
                return
            # Any other answer (layer not found, even a server error) came after IAM
            # authorization passed, so the permission is there.
    if missing:
        step.ok = False
        step.message = f"The IAM identity {arn} is missing: {', '.join(missing)}."
    else:
        step.ok, step.message = True, f"Can read {repository}."


def _local_expiry(expires_at: datetime, answer: dict) -> datetime:
    """The token's expiry on our clock: its lifetime as AWS states it (expiresAt minus the
    answer's Date), from now. Immune to clock skew; a lifetime that makes no sense (an
    emulator's fixed date) falls back to ECR's documented 12 hours."""
    now = datetime.now(UTC)
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    date_header = answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    try:
        issued_at = parsedate_to_datetime(date_header) if date_header else now
    except (TypeError, ValueError):
        issued_at = now
    lifetime = expires_at - issued_at
    if not timedelta(0) < lifetime <= TOKEN_LIFETIME:
        lifetime = TOKEN_LIFETIME
    return now + lifetime


@sensitive_variables()
def mint_pull_credentials(credentials: AwsKeys) -> PullCredentials:
    """A fresh registry login from GetAuthorizationToken (valid 12 hours on AWS)."""
    ecr = aws_client("ecr", credentials)
    try:
        answer = aws_call(None, ecr.get_authorization_token, registryIds=[credentials.account])
    except AwsUnreachable:
        raise AwsUnreachable(f"Could not reach AWS in {credentials.region}.") from None
    except ClientError as error:
        raise RegistryRefused(_refusal(error, "ecr:GetAuthorizationToken")) from None
    data = answer["authorizationData"][0]
    username, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    registry = data["proxyEndpoint"].removeprefix("https://").removeprefix("http://").rstrip("/")
    expires_at = _local_expiry(data["expiresAt"], answer)
    return PullCredentials(
        username=username, password=password, registry=registry, expires_at=expires_at
    )


def _refusal(error: ClientError, action: str) -> str:
    code = error_code(error)
    if _is_denied(error):
        return f"not allowed {action}"
    return _KEY_ERRORS.get(code, f"{action} failed ({code})").rstrip(".")


@sensitive_variables()
def find_ecr_image(
    credentials: AwsKeys, repository: str, *, tag: str | None, digest: str | None
) -> None:
    """Raise ImageMissing unless the tag or digest exists (DescribeImages, read-only)."""
    ecr = aws_client("ecr", credentials)
    image_id = {"imageDigest": digest} if digest else {"imageTag": tag or "latest"}
    try:
        aws_call(
            None,
            ecr.describe_images,
            registryId=credentials.account,
            repositoryName=repository,
            imageIds=[image_id],
        )
    except AwsUnreachable:
        raise AwsUnreachable(f"Could not reach AWS in {credentials.region}.") from None
    except ClientError as error:
        code = error_code(error)
        if code == "ImageNotFoundException":
            raise ImageMissing(
                f"Image {digest or tag or 'latest'} not found in {repository}"
            ) from None
        if code == "RepositoryNotFoundException":
            raise ImageMissing(
                f"Repository {repository} not found in registry {credentials.account}"
            ) from None
        raise RegistryRefused(_refusal(error, "ecr:DescribeImages")) from None
