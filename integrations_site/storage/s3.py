"""S3 for storage drivers: the Regions offered, and the bucket check run before creating one.

AWS is reached through the AWS provider's client (explicit credentials from the integration's
provider, bounded timeouts, AWS_ENDPOINT_URL), so the same code talks to AWS or to an
emulator."""

import re

from botocore.exceptions import ClientError
from django.views.decorators.debug import sensitive_variables

from integrations_site.integrations.models import Integration
from integrations_site.integrations.providers import RegistryRefused, RegistryUnreachable
from integrations_site.integrations.providers.aws import client as aws
from integrations_site.integrations.providers.base import CHECK_DEADLINE_SECONDS, Deadline

from .messages import UNREACHABLE

# HeadBucket is signed for this Region when the driver names none; botocore follows S3's
# redirect when the bucket lives elsewhere.
DEFAULT_REGION = "us-east-1"

# 3-63 characters: lower-case letters, digits, dots and hyphens, a letter or digit at each end.
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def region_choices() -> list:
    """The bucket Region select: named and grouped, read when a form is made."""
    return [("", "Not set (us-east-1)"), *aws.region_choices("s3")]


def bucket_name_error(bucket: str) -> str:
    """Why `bucket` is not a valid S3 bucket name, or '' when it is."""
    if not BUCKET_RE.match(bucket) or ".." in bucket:
        return (
            "Enter a valid bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, "
            "starting and ending with a letter or digit."
        )
    return ""


@sensitive_variables()
def check_bucket(*, integration: Integration, bucket: str, region: str = "") -> str:
    """HeadBucket with the integration's credentials, whichever way its provider gets them
    (stored keys, an assumed role). Returns '' when the bucket exists and they may list it,
    else what is wrong, in words for the Bucket field. Reads nothing else and writes
    nothing."""
    provider = integration.provider_class
    if provider is None:
        raise LookupError(f"Unknown provider {integration.provider!r}.")
    try:
        boto3_credentials = provider.boto3_credentials(integration.credentials)
    except RegistryUnreachable:
        return UNREACHABLE
    except RegistryRefused as error:
        return f"AWS refused the integration: {error}"
    keys = aws.AwsKeys(
        access_key_id=boto3_credentials["aws_access_key_id"],
        secret_access_key=boto3_credentials["aws_secret_access_key"],
        session_token=boto3_credentials.get("aws_session_token") or "",
        account="",
        region=region or DEFAULT_REGION,
    )
    try:
        client = aws.aws_client("s3", keys, Deadline(CHECK_DEADLINE_SECONDS))
        aws.aws_call(None, client.head_bucket, Bucket=bucket)
    except aws.AwsUnreachable:
        return UNREACHABLE
    except ClientError as error:
        # HEAD answers carry no body: botocore reports the HTTP status as the code.
        code = aws.error_code(error)
        if code in {"404", "NoSuchBucket"}:
            return f"Bucket {bucket} does not exist."
        if code in {"403", "AccessDenied"}:
            return _denied(keys, bucket)
        return f"S3 refused HeadBucket on bucket {bucket} ({code})."
    return ""


@sensitive_variables()
def _denied(keys: aws.AwsKeys, bucket: str) -> str:
    """A 403 also answers keys that are unknown, inactive or mismatched; say so when STS
    confirms it, since fixing a policy would not help then."""
    result = aws.check_keys(keys)
    if not result.ok and not result.unreachable:
        return f"AWS refused the integration's keys: {result.failure}"
    return (
        f"Access denied to bucket {bucket}: "
        "the integration's keys may not call s3:ListBucket on it."
    )
