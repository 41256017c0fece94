"""AWS providers that sign in with a stored access key pair: ECR registries and S3 storage."""

import re

from django import forms
from django.core.exceptions import ValidationError

from ..base import CheckResult, Display, IntegrationType, Provider, PullCredentials, register
from . import client as aws


def ecr_region_choices() -> list:
    """Named and grouped, read when a form is made (not at start-up), cached by the client."""
    return [("", "Select a region"), *aws.region_choices("ecr")]


# --- AWS Elastic Container Registry ---------------------------------------------------------

ACCESS_KEY_ID_RE = re.compile(r"^(AKIA|ASIA)[A-Z0-9]{16}$")
SECRET_ACCESS_KEY_RE = re.compile(r"^[A-Za-z0-9/+=]{40}$")
ACCOUNT_RE = re.compile(r"^[0-9]{12}$")


def key_hint(access_key_id: str) -> str:
    return f"{access_key_id[:4]}…{access_key_id[-4:]}"


class AwsCredentialsForm(forms.Form):
    access_key_id = forms.CharField(
        label="Access Key ID",
        max_length=20,
        help_text="From your IAM user's security credentials, e.g. AKIAIOSFODNN7EXAMPLE.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    secret_access_key = forms.CharField(
        label="Secret Access Key",
        # Never rendered back: after a validation error the user re-enters it.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only: stored encrypted and never shown again. "
        "Re-enter it if the form reports an error.",
    )
    account = forms.CharField(
        label="Account",
        max_length=12,
        help_text="Your 12-digit AWS account ID.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    region = forms.ChoiceField(
        label="Region",
        choices=ecr_region_choices,
        help_text="The Region where the ECR repository was created, e.g. us-east-1.",
    )

    def clean_access_key_id(self) -> str:
        value = self.cleaned_data["access_key_id"]
        if not ACCESS_KEY_ID_RE.match(value):
            raise ValidationError(
                "Enter a valid Access Key ID: 20 characters starting with AKIA or ASIA, "
                "upper-case letters and digits only."
            )
        return value

    def clean_secret_access_key(self) -> str:
        value = self.cleaned_data["secret_access_key"]
        if not SECRET_ACCESS_KEY_RE.match(value):
            # Say what is wrong without echoing any part of the secret.
            raise ValidationError(
                "Enter a valid Secret Access Key: exactly 40 characters of letters, digits, "
                "'/', '+' and '='."
            )
        return value

    def clean_account(self) -> str:
        value = self.cleaned_data["account"]
        if not ACCOUNT_RE.match(value):
            raise ValidationError("Enter your AWS account ID: exactly 12 digits.")
        return value


@register
class AwsProvider(Provider):
    key = "aws"
    display_name = "AWS"
    category = "cloud"
    service_name = "AWS"
    name_placeholder = "aws-ecr-integration"
    shows_registry_host = False
    integration_type = IntegrationType.PRIVATE_REGISTRY
    form_class = AwsCredentialsForm
    secret_fields = ("secret_access_key",)
    api_fields = {
        "accessKeyId": "access_key_id",
        "secretAccessKey": "secret_access_key",
        "account": "account",
        "region": "region",
    }

    def display(self, cleaned_data: dict) -> Display:
        suffix = (
            ".amazonaws.com.cn" if cleaned_data["region"].startswith("cn-") else ".amazonaws.com"
        )
        return Display(
            account=cleaned_data["account"],
            region=cleaned_data["region"],
            key_hint=key_hint(cleaned_data["access_key_id"]),
            registry=f"{cleaned_data['account']}.dkr.ecr.{cleaned_data['region']}{suffix}",
        )

    @staticmethod
    def _aws(credentials: dict) -> aws.AwsKeys:
        return aws.AwsKeys(
            access_key_id=credentials["access_key_id"],
            secret_access_key=credentials["secret_access_key"],
            account=credentials["account"],
            region=credentials["region"],
        )

    def unreachable_reason(self, error: Exception) -> str:
        return "AWS unreachable"

    def check(self, credentials: dict, *, repository: str = "") -> CheckResult:
        return aws.check_ecr(self._aws(credentials), repository=repository)

    def mint_pull_credentials(self, credentials: dict) -> PullCredentials:
        return aws.mint_pull_credentials(self._aws(credentials))

    def registry_host(self, integration) -> str:
        suffix = ".amazonaws.com.cn" if integration.region.startswith("cn-") else ".amazonaws.com"
        return f"{integration.account}.dkr.ecr.{integration.region}{suffix}"

    def find_image(
        self, credentials: dict, repository: str, *, tag: str | None, digest: str | None
    ):
        aws.find_ecr_image(self._aws(credentials), repository, tag=tag, digest=digest)


# --- AWS S3 (storage) -------------------------------------------------------------------------


class AwsS3CredentialsForm(forms.Form):
    access_key_id = AwsCredentialsForm.base_fields["access_key_id"]
    secret_access_key = AwsCredentialsForm.base_fields["secret_access_key"]

    clean_access_key_id = AwsCredentialsForm.clean_access_key_id
    clean_secret_access_key = AwsCredentialsForm.clean_secret_access_key


@register
class AwsS3Provider(Provider):
    """S3 buckets for storage drivers. Same keys as ECR; no account or region of its own."""

    key = "aws-s3"
    display_name = "AWS"
    category = "cloud"
    service_name = "AWS"
    name_placeholder = "aws-s3-integration"
    shows_registry_host = False
    integration_type = IntegrationType.S3
    form_class = AwsS3CredentialsForm
    secret_fields = ("secret_access_key",)
    api_fields = {"accessKeyId": "access_key_id", "secretAccessKey": "secret_access_key"}

    def metadata(self) -> dict:
        return {"provider": "aws"}

    def display(self, cleaned_data: dict) -> Display:
        return Display(key_hint=key_hint(cleaned_data["access_key_id"]))

    def check(self, credentials: dict, *, repository: str = "") -> CheckResult:
        return aws.check_keys(
            aws.AwsKeys(
                access_key_id=credentials["access_key_id"],
                secret_access_key=credentials["secret_access_key"],
                account="",
                region="us-east-1",
            )
        )

    def registry_host(self, integration) -> str:
        return ""  # not a registry

    def boto3_credentials(self, credentials: dict) -> dict[str, str]:
        return {
            "aws_access_key_id": credentials["access_key_id"],
            "aws_secret_access_key": credentials["secret_access_key"],
        }
