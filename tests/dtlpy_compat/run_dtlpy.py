"""Drives the platform's own SDK, unchanged (`dtlpy`, pinned in requirements-dtlpy.txt), against a
running site. Run by tests/dtlpy_compat/test_dtlpy.py with .venv-dtlpy/bin/python; imports
nothing of the site. Input comes from the environment (DTLPY_COMPAT_* and HOME, where dtlpy keeps
its configuration); what dtlpy returned is written as JSON to DTLPY_COMPAT_RESULT."""

import json
import os
import uuid

import dtlpy as dl

env = os.environ
base_url = env["DTLPY_COMPAT_BASE_URL"]
org_id = env["DTLPY_COMPAT_ORG_ID"]
result: dict = {"version": dl.__version__}


def ecr_options(access_key_id: str, secret_access_key: str) -> dict:
    return {
        "name": "AWS",
        "spec": {
            "accessKeyId": access_key_id,
            "secretAccessKey": secret_access_key,
            "account": env["DTLPY_COMPAT_ECR_ACCOUNT"],
            "region": env["DTLPY_COMPAT_ECR_REGION"],
        },
    }


def summary(integration) -> dict:
    return {
        "id": integration.id,
        "name": integration.name,
        "type": integration.type,
        "org": integration.org,
    }


# The four lines that point dtlpy at the site.
dl.add_environment(environment=base_url, alias="local")
dl.setenv("local")
dl.login_token(env["DTLPY_COMPAT_TOKEN"])
result["info_email"] = dl.info()["user_email"]
result["token_expired"] = dl.client_api.token_expired()

# Organizations.
result["organizations"] = [(o.id, o.name) for o in dl.organizations.list()]

# The product document's example, as written there.
org = dl.organizations.get(organization_id=org_id)
result["organization"] = (org.id, org.name)
integration = org.integrations.create(
    integrations_type=dl.IntegrationType.PRIVATE_REGISTRY,
    name="aws-ecr-integration",
    options=ecr_options(env["DTLPY_COMPAT_ECR_KEY_ID"], env["DTLPY_COMPAT_ECR_SECRET"]),
    metadata={"provider": "aws"},
)
result["created"] = summary(integration)

result["listed"] = [item["name"] for item in org.integrations.list()]
result["available"] = [item["type"] for item in org.integrations.list(only_available=True)]
result["got"] = summary(org.integrations.get(integrations_id=integration.id))

# Repository update: the name, then new keys with reload_services (?reloadServices=true).
renamed = org.integrations.update(new_name="ecr-renamed", integrations_id=integration.id)
result["renamed"] = summary(renamed)
rekeyed = org.integrations.update(
    integrations_id=integration.id,
    new_options=ecr_options(env["DTLPY_COMPAT_NEW_KEY_ID"], env["DTLPY_COMPAT_NEW_SECRET"]),
    reload_services=True,
)
result["rekeyed"] = summary(rekeyed)

# Entity update: sends the PATCH, returns None.
result["entity_update_returned"] = repr(rekeyed.update(new_name="ecr-final"))
result["after_entity_update"] = org.integrations.get(integrations_id=integration.id).name

# A storage integration and a driver on it (this site's organization stands for the project).
storage = org.integrations.create(
    integrations_type=dl.IntegrationType.S3,
    name="s3-keys",
    options={
        "name": "AWS",
        "spec": {
            "accessKeyId": env["DTLPY_COMPAT_S3_KEY_ID"],
            "secretAccessKey": env["DTLPY_COMPAT_S3_SECRET"],
        },
    },
)
result["storage"] = summary(storage)
driver = dl.drivers.create(
    name="training-data",
    driver_type=dl.ExternalStorage.S3,
    integration_id=storage.id,
    bucket_name=env["DTLPY_COMPAT_BUCKET"],
    integration_type=dl.IntegrationType.S3,
    project_id=org_id,
    region="us-east-1",
    path="images",
)
result["driver"] = {
    "id": driver.id,
    "name": driver.name,
    "type": driver.type,
    "class": type(driver).__name__,
    "integration_id": driver.integration_id,
    "bucket_name": driver.bucket_name,
    "path": driver.path,
    "creator": driver.creator,
}

# Errors carry a readable message (top-level `message`).
try:
    org.integrations.get(integrations_id=str(uuid.uuid4()))
except dl.exceptions.NotFound as error:
    result["not_found"] = {"status": error.status_code, "message": error.message}

# Deletes: the entity's, and the repository's without sure/really (it sends the request anyway).
result["entity_delete"] = rekeyed.delete(sure=True, really=True)
second = org.integrations.create(
    integrations_type=dl.IntegrationType.PRIVATE_REGISTRY,
    name="ecr-two",
    options=ecr_options(env["DTLPY_COMPAT_ECR_KEY_ID"], env["DTLPY_COMPAT_ECR_SECRET"]),
    metadata={"provider": "aws"},
)
result["repository_delete"] = org.integrations.delete(integrations_id=second.id)
result["listed_at_end"] = [item["name"] for item in org.integrations.list()]

with open(env["DTLPY_COMPAT_RESULT"], "w") as handle:
    json.dump(result, handle)
