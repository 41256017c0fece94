"""What moto's server (IAM enforced) does with STS AssumeRole, as the AWS (assume role)
provider's tests rely on it. If a moto upgrade starts enforcing trust policies, these fail:
then tests/integrations/test_assume_role.py can prove those causes against moto too.

moto (5.2) enforces: the caller's own identity policy (sts:AssumeRole), and the role's
permission policies on the assumed session's calls. It does not enforce: the role's trust
policy (Principal), its sts:ExternalId condition, or even that the role exists. No database.
"""

import json
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.fixtures.aws import DEFAULT_ACCOUNT_ID, REGION, aws_error

SITE_ACCOUNT = "444455556666"


@pytest.fixture
def trusted(moto_server):
    """A site user allowed sts:AssumeRole, and a role trusting only it with External ID E1."""
    site = moto_server.create_user(["sts:AssumeRole"], account_id=SITE_ACCOUNT)
    name = f"role-{uuid.uuid4().hex[:8]}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": site.arn},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "E1"}},
            }
        ],
    }
    moto_server.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    return site, f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/{name}"


def assume(moto_server, keys, role_arn, **kwargs):
    sts = moto_server.client("sts", keys)
    return sts.assume_role(RoleArn=role_arn, RoleSessionName="probe", **kwargs)


def test_the_matching_external_id_assumes(moto_server, trusted):
    site, role_arn = trusted
    answer = assume(moto_server, site, role_arn, ExternalId="E1")
    assert answer["AssumedRoleUser"]["Arn"].startswith(
        f"arn:aws:sts::{DEFAULT_ACCOUNT_ID}:assumed-role/"
    )


@pytest.mark.parametrize("kwargs", [{"ExternalId": "WRONG"}, {}], ids=["wrong", "none"])
def test_external_id_condition_is_not_enforced(moto_server, trusted, kwargs):
    site, role_arn = trusted
    assert assume(moto_server, site, role_arn, **kwargs)["Credentials"]["AccessKeyId"]


def test_trust_policy_principal_is_not_enforced(moto_server, trusted):
    _, role_arn = trusted
    stranger = moto_server.create_user(["sts:AssumeRole"], account_id=SITE_ACCOUNT)
    assert assume(moto_server, stranger, role_arn, ExternalId="E1")["Credentials"]


def test_a_role_that_does_not_exist_is_assumed(moto_server, trusted):
    site, _ = trusted
    missing = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/no-such-role"
    assert assume(moto_server, site, missing, ExternalId="E1")["Credentials"]


def test_the_callers_own_policy_is_enforced(moto_server, trusted):
    _, role_arn = trusted
    bare = moto_server.create_user(account_id=SITE_ACCOUNT)
    with pytest.raises(ClientError) as raised:
        assume(moto_server, bare, role_arn, ExternalId="E1")
    code, message = aws_error(raised.value)
    assert code == "AccessDenied"
    # No "on resource": how the provider tells the caller's own policy apart.
    assert message == f"User: {bare.arn} is not authorized to perform: sts:AssumeRole"


def test_the_roles_permissions_are_enforced_on_the_session(moto_server, trusted):
    site, role_arn = trusted  # the role has no permission policy
    temporary = assume(moto_server, site, role_arn, ExternalId="E1")["Credentials"]
    ecr = boto3.session.Session().client(
        "ecr",
        endpoint_url=moto_server.url,
        region_name=REGION,
        aws_access_key_id=temporary["AccessKeyId"],
        aws_secret_access_key=temporary["SecretAccessKey"],
        aws_session_token=temporary["SessionToken"],
    )
    with pytest.raises(ClientError) as raised:
        ecr.get_authorization_token()
    assert aws_error(raised.value)[0] == "AccessDenied"
