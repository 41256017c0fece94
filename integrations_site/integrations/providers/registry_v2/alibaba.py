"""Alibaba Cloud Container Registry (ACR): a Personal Edition registry
(registry.REGION.aliyuncs.com) or an Enterprise Edition instance
(INSTANCE-registry.REGION.cr.aliyuncs.com), VPC endpoints included.

Docker clients sign in with the account's username and the fixed password set under Access
Credential (not the console password, not an AccessKey). The registry sends them to ACR's
token service (dockerauth…/auth, service `registry.aliyuncs.com:REGION:…`) for a token."""

import re
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError

from ..base import Display, register
from .base import password_field, text_field
from .client import RegistryLogin
from .vendors import VendorProvider, endpoint_url

_REGION = r"(?P<region>[a-z]{2}-[a-z]+(?:-\d+)?)"
PERSONAL = re.compile(rf"^registry(?:-intl)?(?:-vpc)?\.{_REGION}\.aliyuncs\.com$")
ENTERPRISE = re.compile(
    rf"^(?P<instance>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)-registry(?:-vpc)?\.{_REGION}"
    r"\.cr\.aliyuncs\.com$"
)
ENTERPRISE_WITHOUT_SUFFIX = re.compile(rf"^[a-z0-9-]+\.{_REGION}\.cr\.aliyuncs\.com$")
ACCESS_KEY_ID = re.compile(r"^LTAI[0-9A-Za-z]{12,30}$")
ALIYUN_HOSTS = re.compile(r"^[a-z0-9.-]+\.aliyuncs\.com$")


def endpoint_region(host: str) -> str:
    match = PERSONAL.match(host) or ENTERPRISE.match(host)
    return match["region"] if match else ""


class AlibabaForm(forms.Form):
    endpoint = text_field(
        "Registry endpoint",
        help_text="registry.REGION.aliyuncs.com (Personal Edition) or "
        "INSTANCE-registry.REGION.cr.aliyuncs.com (Enterprise Edition), as the instance's "
        "Access Credential page shows it.",
        max_length=255,
    )
    username = text_field(
        "Username",
        help_text="The account name the Access Credential page shows (a RAM user's is "
        "NAME@ACCOUNT-ID).",
        max_length=255,
    )
    password = password_field(
        "Password",
        "The fixed password set under Access Credential. Write-only: stored encrypted and "
        "never shown again.",
    )

    def clean_endpoint(self) -> str:
        value = self.cleaned_data["endpoint"].strip().lower()
        host = urlsplit(value if "://" in value else f"https://{value}").hostname or ""
        if host.endswith("console.aliyun.com"):
            raise ValidationError(
                "That is the console: enter the registry endpoint from the instance's Access "
                "Credential page."
            )
        if ENTERPRISE_WITHOUT_SUFFIX.match(host) and not ENTERPRISE.match(host):
            raise ValidationError(
                "An Enterprise Edition endpoint ends its first part in -registry: "
                "INSTANCE-registry.REGION.cr.aliyuncs.com."
            )
        if not (PERSONAL.match(host) or ENTERPRISE.match(host)):
            raise ValidationError(
                "Enter an ACR endpoint: registry.REGION.aliyuncs.com or "
                "INSTANCE-registry.REGION.cr.aliyuncs.com (e.g. registry.cn-hangzhou.aliyuncs.com)."
            )
        return endpoint_url(value, public_hosts=ALIYUN_HOSTS)

    def clean_password(self) -> str:
        value = self.cleaned_data["password"]
        if ACCESS_KEY_ID.match(value.strip()):
            raise ValidationError(
                "This is an AccessKey ID: ACR's docker login takes the fixed password set "
                "under Access Credential."
            )
        return value


@register
class AlibabaProvider(VendorProvider):
    key = "alibaba"
    display_name = "Alibaba Cloud Container Registry"
    category = "cloud"
    form_class = AlibabaForm
    secret_fields = ("password",)
    api_fields = {"endpoint": "endpoint", "username": "username", "password": "password"}
    docker_config_fields = {"host": "endpoint", "username": "username", "password": "password"}

    def login(self, credentials: dict) -> RegistryLogin:
        return RegistryLogin(
            url=credentials["endpoint"],
            username=credentials["username"],
            password=credentials["password"],
        )

    def display(self, cleaned_data: dict) -> Display:
        host = self.host(cleaned_data)
        return Display(
            account=cleaned_data["username"], region=endpoint_region(host), registry=host
        )

    def rejected(self, credentials: dict, host: str) -> str:
        return (
            f"{host} rejected {credentials['username']} or its password: ACR takes the fixed "
            "password set under Access Credential, not the console password or an AccessKey."
        )

    def denied_hint(self, credentials: dict, repository: str) -> str:
        namespace = repository.split("/", 1)[0]
        return (
            f"A RAM user needs cr:PullRepository on {repository} (namespace {namespace}); on "
            "an Enterprise instance, the namespace must be the instance's too."
        )
