"""The site's own AWS identity: the principal that assumes customers' roles.

It comes from botocore's standard credential chain (environment, shared config and
credentials files, container or instance role, web identity for Kubernetes service
accounts), never from a setting of ours and never from an integration. The chain's session is
kept per process while the environment that selects it stays the same, so refreshable
credentials (instance role, web identity) refresh themselves instead of being fetched anew
on every call."""

import hashlib
import os
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    import boto3
from django.views.decorators.debug import sensitive_variables

from ..base import Deadline
from . import client as aws

# Variables that choose where the chain finds credentials; a change starts a new session.
_CHAIN_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_EC2_METADATA_DISABLED",
)
# "None found" is remembered this long: the chain's last resort asks the instance metadata
# service, which takes a second to time out where there is none.
ABSENT_RECHECK_SECONDS = 60.0


class SiteIdentityMissing(Exception):
    """No credentials anywhere in the chain."""


@dataclass
class _Chain:
    session: "boto3.session.Session"
    absent_since: float | None = None
    principal: str = ""  # the caller identity's ARN, once asked
    lock: threading.Lock = field(default_factory=threading.Lock)


_chains: dict[str, _Chain] = {}
_chains_lock = threading.Lock()


@sensitive_variables()
def _fingerprint() -> str:
    # Hashed: the dict key must not hold a secret from the environment.
    joined = "\0".join(os.environ.get(name, "") for name in _CHAIN_VARIABLES)
    return hashlib.sha256(joined.encode()).hexdigest()


def _chain() -> _Chain:
    key = _fingerprint()
    with _chains_lock:
        chain = _chains.get(key)
        if chain is None:
            _chains.clear()  # the environment changed: the old session is stale
            import boto3  # on first use: boto3 costs ~0.05 s at every start-up

            chain = _chains[key] = _Chain(session=boto3.session.Session())
        return chain


@sensitive_variables()
def keys(region: str) -> aws.AwsKeys:
    """The site's current credentials as explicit keys for `region`'s clients; raises
    SiteIdentityMissing when the chain finds none."""
    chain = _chain()
    recently = chain.absent_since is not None and (
        time.monotonic() - chain.absent_since < ABSENT_RECHECK_SECONDS
    )
    if recently:
        raise SiteIdentityMissing
    try:
        credentials = chain.session.get_credentials()
    except BotoCoreError:
        credentials = None  # e.g. a web identity token file that cannot be read
    if credentials is None:
        chain.absent_since = time.monotonic()
        raise SiteIdentityMissing
    chain.absent_since = None
    frozen = credentials.get_frozen_credentials()
    return aws.AwsKeys(
        access_key_id=frozen.access_key,
        secret_access_key=frozen.secret_key,
        session_token=frozen.token or "",
        account="",
        region=region,
    )


def configured() -> bool:
    """Whether the chain finds credentials (it does not check that AWS accepts them)."""
    try:
        keys(_chain().session.region_name or aws_default_region())
    except SiteIdentityMissing:
        return False
    return True


def aws_default_region(partition: str = "aws") -> str:
    """The Region STS is asked in when nothing else names one."""
    return {"aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}.get(partition, "us-east-1")


def trust_principal(caller_arn: str) -> str:
    """The ARN a trust policy names for the caller: an assumed role's session ARN
    (arn:aws:sts::1:assumed-role/NAME/SESSION) becomes its role (arn:aws:iam::1:role/NAME);
    a user or root ARN stays as it is. A role path is not in the session ARN: a site role
    with a path needs the policy edited to include it."""
    parts = caller_arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        role_name = parts[5].split("/")[1]
        return f"arn:{parts[1]}:iam::{parts[4]}:role/{role_name}"
    return caller_arn


@sensitive_variables()
def caller_arn(deadline: Deadline | None = None, *, region: str = "") -> str:
    """STS GetCallerIdentity's ARN for the site's identity, asked once per chain. Raises
    SiteIdentityMissing, aws.AwsUnreachable or ClientError (AWS refused the identity)."""
    chain = _chain()
    if chain.principal:
        return chain.principal
    site = keys(region or chain.session.region_name or aws_default_region())
    sts = aws.aws_client("sts", site, deadline)
    answer = aws.aws_call(deadline, sts.get_caller_identity)
    with chain.lock:
        chain.principal = answer["Arn"]
    return chain.principal


def principal_or_empty(deadline: Deadline | None = None) -> str:
    """The trust-policy principal, or '' when there is no identity or AWS did not say."""
    try:
        return trust_principal(caller_arn(deadline))
    except (SiteIdentityMissing, aws.AwsUnreachable, ClientError):
        return ""
