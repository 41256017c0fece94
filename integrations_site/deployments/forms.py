from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from integrations_site.integrations.images import parse_image
from integrations_site.organizations.models import Organization
from integrations_site.validation import clean_name as validate_name

from .messages import PIPELINE_NAME_TAKEN, too_many_nodes
from .models import Pipeline

NAME_MAX_LENGTH = Pipeline._meta.get_field("name").max_length

IMAGE_HELP = "e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/models/detector:1.4"


def _clean_image(value: str) -> str:
    try:
        parse_image(value)
    except ValueError as error:
        raise ValidationError(f"Enter an image reference, {IMAGE_HELP}. {error}") from None
    return value.strip()


class ServiceForm(forms.Form):
    """Deploy: a new name creates the service; an existing name updates its image."""

    name = forms.CharField(label="Name", max_length=100)
    runner_image = forms.CharField(
        label="Runner image",
        max_length=500,
        help_text=f"The Docker image to run, {IMAGE_HELP}.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )

    def clean_name(self) -> str:
        return validate_name(self.cleaned_data["name"], max_length=NAME_MAX_LENGTH)

    def clean_runner_image(self) -> str:
        return _clean_image(self.cleaned_data["runner_image"])


class PipelineForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100)
    nodes = forms.CharField(
        label="Nodes",
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "spellcheck": "false",
                "placeholder": "prep 123456789012.dkr.ecr.us-east-1.amazonaws.com/models/prep:2.0\n"
                "train 123456789012.dkr.ecr.us-east-1.amazonaws.com/models/train:1.4",
            }
        ),
        help_text="One node per line: a node name, a space, then its image.",
    )

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_name(self) -> str:
        name = validate_name(self.cleaned_data["name"], max_length=NAME_MAX_LENGTH)
        if Pipeline.objects.for_organization(self.organization).filter(name__iexact=name).exists():
            raise ValidationError(PIPELINE_NAME_TAKEN)
        return name

    def clean_nodes(self) -> list[tuple[str, str]]:
        lines = self.cleaned_data["nodes"].splitlines()
        # Counted before anything else: every node is a registry lookup at install.
        given = sum(1 for line in lines if line.strip())
        if given > settings.PIPELINE_MAX_NODES:
            raise ValidationError(too_many_nodes(settings.PIPELINE_MAX_NODES, given))
        nodes: list[tuple[str, str]] = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 2:
                raise ValidationError(f"Line {number}: write the node name, a space, the image.")
            name, image = parts
            try:
                name = validate_name(name, max_length=NAME_MAX_LENGTH)
            except ValidationError as error:
                raise ValidationError(f"Line {number}: {error.message}") from None
            try:
                _clean_image(image)
            except ValidationError:
                raise ValidationError(
                    f"Line {number}: {image!r} is not an image reference."
                ) from None
            if name in {existing for existing, _ in nodes}:
                raise ValidationError(f"Line {number}: node {name!r} appears twice.")
            nodes.append((name, image))
        if not nodes:
            raise ValidationError("Add at least one node.")
        return nodes
