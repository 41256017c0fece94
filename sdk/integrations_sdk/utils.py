from __future__ import annotations

import base64
import json


def _docker_config_options(host: str, username: str, password: str, email: str | None) -> dict:
    """The platform SDK's option shape for non-AWS registries: a docker config, base64."""
    entry = {
        "username": username,
        "password": password,
        "auth": base64.b64encode(f"{username}:{password}".encode()).decode(),
    }
    if email:
        entry["email"] = email
    config = json.dumps({"auths": {host: entry}})
    return {"name": "_json_key", "spec": {"password": base64.b64encode(config.encode()).decode()}}


class IntegrationUtils:
    """Builders for the `options` argument of integrations.create/update."""

    @staticmethod
    def generate_ecr_options(
        access_key_id: str, secret_access_key: str, account: str, region: str
    ) -> dict:
        return {
            "name": "AWS",
            "spec": {
                "accessKeyId": access_key_id,
                "secretAccessKey": secret_access_key,
                "account": account,
                "region": region,
            },
        }

    @staticmethod
    def generate_ecr_role_options(role_arn: str, region: str) -> dict:
        """ECR through an IAM role the site assumes: nothing secret is sent. The created
        integration's `details` carry the External ID and the trust policy to give the role."""
        return {"name": "aws-role", "spec": {"roleArn": role_arn, "region": region}}

    @staticmethod
    def generate_s3_role_options(role_arn: str) -> dict:
        """S3 storage through an IAM role the site assumes (see generate_ecr_role_options)."""
        return {"name": "aws-s3-role", "spec": {"roleArn": role_arn}}

    @staticmethod
    def generate_docker_hub_options(username: str, password: str, email: str | None = None) -> dict:
        return _docker_config_options("docker.io", username, password, email)

    @staticmethod
    def generate_gar_options(
        service_account: dict | str, location: str, email: str | None = None
    ) -> dict:
        """`service_account`: the key file's JSON (text or parsed); `location`: the registry
        host, e.g. europe-west1-docker.pkg.dev."""
        key = service_account if isinstance(service_account, str) else json.dumps(service_account)
        return _docker_config_options(location, "_json_key", key, email)

    @staticmethod
    def generate_azure_container_registry_options(
        username: str, password: str, location: str
    ) -> dict:
        """`location`: the registry server, NAME.azurecr.io."""
        return _docker_config_options(location, username, password, None)

    @staticmethod
    def generate_github_options(username: str, token: str) -> dict:
        return _docker_config_options("ghcr.io", username, token, None)

    @staticmethod
    def generate_generic_options(
        url: str,
        username: str,
        password: str,
        verify_tls: bool = True,
        ca_certificate: str | None = None,
    ) -> dict:
        """Any Docker Registry v2. TLS settings don't fit a docker config: the plain shape."""
        spec = {"url": url, "username": username, "password": password, "verifyTls": verify_tls}
        if ca_certificate:
            spec["caCertificate"] = ca_certificate
        return {"name": "generic", "spec": spec}

    @staticmethod
    def generate_quay_options(username: str, token: str, host: str = "quay.io") -> dict:
        """A Quay robot account (`ORGANIZATION+NAME`) and its token; `host` for a self-hosted
        Quay (https://quay.example.com)."""
        return {"name": "quay", "spec": {"host": host, "username": username, "token": token}}

    @staticmethod
    def generate_gitlab_options(
        username: str, token: str, host: str = "registry.gitlab.com"
    ) -> dict:
        """A deploy token with its username (gitlab+deploy-token-N), or an access token with
        its user's GitLab username; read_registry scope. `host`: a self-managed registry."""
        return {"name": "gitlab", "spec": {"host": host, "username": username, "token": token}}

    @staticmethod
    def generate_jfrog_options(
        url: str, repository_key: str, username: str, api_key: str, access_method: str = "path"
    ) -> dict:
        """Artifactory: `url` the host (https://acme.jfrog.io), `repository_key` a Docker
        repository; `access_method` "path" (images HOST/KEY/IMAGE) or "subdomain"
        (KEY.HOST/IMAGE). `api_key`: an API key or identity token."""
        return {
            "name": "jfrog",
            "spec": {
                "url": url,
                "repositoryKey": repository_key,
                "accessMethod": access_method,
                "username": username,
                "apiKey": api_key,
            },
        }

    @staticmethod
    def generate_harbor_options(url: str, username: str, secret: str) -> dict:
        """A Harbor robot account (`robot$PROJECT+NAME`) and its secret."""
        return {"name": "harbor", "spec": {"url": url, "username": username, "secret": secret}}

    @staticmethod
    def generate_alibaba_options(username: str, password: str, endpoint: str) -> dict:
        """Alibaba Cloud ACR: `endpoint` registry.REGION.aliyuncs.com or
        INSTANCE-registry.REGION.cr.aliyuncs.com; the fixed password from Access Credential."""
        return {
            "name": "alibaba",
            "spec": {"endpoint": endpoint, "username": username, "password": password},
        }
