from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations_site.organizations.models import Organization

from . import services
from .images import validate_repository
from .models import IntegrationType
from .providers import Provider, get_provider, providers_for

# The create flows, by the word in their URL: /integrations/new/<kind>/.
KINDS = {
    "registry": (IntegrationType.PRIVATE_REGISTRY, "Create Registry Integration"),
    "storage": (IntegrationType.S3, "Create Storage Integration"),
}
# The provider select's groups (Provider.category), in order; a noun per integration type.
PROVIDER_GROUPS = (("cloud", "Cloud"), ("hosted", "Hosted"), ("self-hosted", "Self-hosted"))
GROUP_NOUNS = {IntegrationType.PRIVATE_REGISTRY: "registries", IntegrationType.S3: "storage"}


def provider_choices(providers: list[Provider], integration_type: str) -> list:
    """Grouped choices, rendered as <optgroup>s: cloud, hosted, then self-hosted providers,
    each group in registration order. A category outside these gets a group of its own."""
    groups: dict[str, list[tuple[str, str]]] = {category: [] for category, _ in PROVIDER_GROUPS}
    for provider in providers:
        groups.setdefault(provider.category, []).append((provider.key, provider.display_name))
    labels = dict(PROVIDER_GROUPS)
    noun = GROUP_NOUNS.get(integration_type, "")
    return [
        (f"{labels.get(category, category.capitalize())} {noun}".strip(), options)
        for category, options in groups.items()
        if options
    ]


class IntegrationForm(forms.Form):
    """Create an integration of one type: name and provider, plus the chosen provider's fields.

    The provider's own form (``credentials_form``) validates its fields; both render together
    and ``is_valid()`` covers both."""

    integration_type: str = IntegrationType.PRIVATE_REGISTRY

    name = forms.CharField(
        label="Integration Name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    provider = forms.ChoiceField(label="Provider")
    check_repository = forms.CharField(
        label="Repository to check",
        required=False,
        max_length=256,
        help_text="Optional: a repository name such as models/detector, to check read access "
        "to it too. Not stored.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(
        self, *args, organization: Organization, integration_type: str | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.integration_type = integration_type or self.integration_type
        self.kind = next(k for k, (t, _) in KINDS.items() if t == self.integration_type)
        self.title = KINDS[self.kind][1]
        if self.integration_type != IntegrationType.PRIVATE_REGISTRY:
            del self.fields["check_repository"]  # repositories are a registry's
        choices = providers_for(self.integration_type)
        self.fields["provider"].choices = provider_choices(choices, self.integration_type)
        requested = (self.data.get("provider") if self.is_bound else None) or self.initial.get(
            "provider"
        )
        chosen = get_provider(requested or "")
        self.chosen_provider: Provider = chosen if chosen in choices else choices[0]
        self.initial["provider"] = self.chosen_provider.key
        # The provider fields' partial carries it too: swapping providers updates the name's.
        self.name_placeholder = (
            self.chosen_provider.name_placeholder or f"{self.chosen_provider.key}-integration"
        )
        self.fields["name"].widget.attrs["placeholder"] = self.name_placeholder
        # With JavaScript, changing Provider swaps in that provider's fields.
        self.fields["provider"].widget.attrs.update(
            {
                "hx-get": reverse("integrations:provider_fields", args=[self.kind]),
                "hx-target": "#provider-fields",
                "hx-swap": "outerHTML",
                "hx-trigger": "change",
            }
        )
        self.credentials_form = self.chosen_provider.form_class(
            data=self.data if self.is_bound else None, files=self.files if self.is_bound else None
        )

    def clean_name(self) -> str:
        try:
            return services.integration_name_clean(
                organization=self.organization, name=self.cleaned_data["name"]
            )
        except ValidationError as error:
            raise ValidationError(error.error_dict["name"]) from None

    def clean_check_repository(self) -> str:
        repository = self.cleaned_data["check_repository"].strip()
        if repository:
            try:
                validate_repository(repository)
            except ValueError as error:
                raise ValidationError(str(error), code="invalid") from None
        return repository

    @property
    def has_errors(self) -> bool:
        return self.is_bound and bool(self.errors or self.credentials_form.errors)

    def is_valid(self) -> bool:
        # Validate both so every field error shows at once.
        own = super().is_valid()
        return self.credentials_form.is_valid() and own


class RegistryIntegrationForm(IntegrationForm):
    integration_type = IntegrationType.PRIVATE_REGISTRY
