import uuid

from django import forms
from django.core.exceptions import ValidationError

from integrations_site.integrations.models import Integration, IntegrationType
from integrations_site.organizations.models import Organization
from integrations_site.validation import clean_name as validate_name

from . import s3
from .messages import NAME_TAKEN, REGISTRY_REFUSED, UNREACHABLE
from .models import StorageDriver

NAME_MAX_LENGTH = StorageDriver._meta.get_field("name").max_length


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class StorageIntegrationField(forms.ModelChoiceField):
    """Offers the organization's storage integrations only. Another of its integrations posted
    anyway (a registry one) is refused by name; anything else is "not a valid choice"."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(Integration.objects.none(), *args, **kwargs)
        self.organization_integrations = Integration.objects.none()

    def label_from_instance(self, obj: Integration) -> str:
        if obj.key_hint:
            return f"{obj.name} ({obj.provider_display}, key {obj.key_hint})"
        return f"{obj.name} ({obj.provider_display}, account {obj.account})"

    def to_python(self, value):
        if value not in self.empty_values and _uuid(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        try:
            return super().to_python(value)
        except ValidationError as error:
            if error.code == "invalid_choice" and self._is_registry(value):
                raise ValidationError(REGISTRY_REFUSED, code="registry_integration") from None
            raise

    def _is_registry(self, value) -> bool:
        return (
            self.organization_integrations.filter(pk=_uuid(value))
            .filter(type=IntegrationType.PRIVATE_REGISTRY)
            .exists()
        )


class StorageDriverForm(forms.Form):
    """Create a storage driver. Valid only when the bucket answers HeadBucket with the chosen
    integration's keys (checked last, once every field is valid)."""

    name = forms.CharField(
        label="Name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "training-data"}),
    )
    integration = StorageIntegrationField(
        label="Integration",
        empty_label="Select a storage integration",
        help_text="Storage integrations only; their keys or role need s3:ListBucket on the bucket.",
    )
    bucket = forms.CharField(
        label="Bucket",
        max_length=63,
        help_text="The S3 bucket name, e.g. my-datasets.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "placeholder": "my-datasets"}
        ),
    )
    path = forms.CharField(
        label="Path",
        required=False,
        max_length=1024,
        help_text="Optional folder (key prefix), e.g. images/2025.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    region = forms.ChoiceField(
        label="Region",
        required=False,
        choices=s3.region_choices,
        help_text="Optional: the bucket's Region.",
    )

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        field = self.fields["integration"]
        assert isinstance(field, StorageIntegrationField)
        in_org = Integration.objects.for_organization(organization).defer("credentials")
        field.organization_integrations = in_org
        field.queryset = in_org.filter(type=IntegrationType.S3).order_by("name")

    @property
    def has_storage_integrations(self) -> bool:
        return self.fields["integration"].queryset.exists()

    def clean_name(self) -> str:
        name = validate_name(self.cleaned_data["name"], max_length=NAME_MAX_LENGTH)
        taken = StorageDriver.objects.for_organization(self.organization).filter(name__iexact=name)
        if taken.exists():
            raise ValidationError(NAME_TAKEN, code="name_taken")
        return name

    def clean_bucket(self) -> str:
        bucket = self.cleaned_data["bucket"].strip()
        error = s3.bucket_name_error(bucket)
        if error:
            raise ValidationError(error, code="invalid_bucket")
        return bucket

    def clean_path(self) -> str:
        return self.cleaned_data["path"].strip().lstrip("/")

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors:
            # Network, read-only; runs outside any transaction (forms are validated before
            # the service is called).
            integration: Integration = cleaned["integration"]
            problem = s3.check_bucket(
                integration=integration,
                bucket=cleaned["bucket"],
                region=cleaned.get("region", ""),
            )
            if problem:
                code = "bucket_unreachable" if problem == UNREACHABLE else "bucket_check"
                self.add_error("bucket", ValidationError(problem, code=code))
        return cleaned
