"""A provider that exists only in the tests: proof that adding a registry provider is one
module plus its tests (docs/architecture.md).

Everything the site needs comes from this class: its form (fields, labels, validation), which
fields are secret, the API option names, the UI texts, how it checks, mints pull
credentials and finds images. No view, template, API schema, SDK module or list was edited
for it. A real provider module would sit in integrations_site/integrations/providers/ and be
imported by load_providers(); this one is imported by its tests."""

from datetime import UTC, datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError

from integrations_site.integrations.providers import (
    CheckResult,
    Display,
    ImageMissing,
    IntegrationType,
    Provider,
    PullCredentials,
    Step,
    register,
)

FAKE_HOST = "registry.fake.test"
# The only key the fake registry accepts, and the only image it holds.
GOOD_KEY = "fake-key-0123456789"
IMAGE = f"{FAKE_HOST}/team/app:1.0"


class FakeForm(forms.Form):
    account = forms.CharField(label="Fake account", max_length=50)
    api_key = forms.CharField(label="Fake API key", widget=forms.PasswordInput(render_value=False))

    def clean_account(self) -> str:
        value = self.cleaned_data["account"]
        if not value.isalnum():
            raise ValidationError("Letters and digits only.")
        return value


@register
class FakeProvider(Provider):
    key = "fake"
    display_name = "Fake Registry"
    service_name = "the fake registry"
    name_placeholder = "fake-integration"
    integration_type = IntegrationType.PRIVATE_REGISTRY
    form_class = FakeForm
    secret_fields = ("api_key",)
    api_fields = {"account": "account", "apiKey": "api_key"}

    def display(self, cleaned_data: dict) -> Display:
        return Display(account=cleaned_data["account"], registry=FAKE_HOST)

    def check(self, credentials: dict, *, repository: str = "") -> CheckResult:
        ok = credentials["api_key"] == GOOD_KEY
        return CheckResult(
            steps=[Step("key", "Key valid", ok, "" if ok else "The fake registry refused the key.")]
        )

    def mint_pull_credentials(self, credentials: dict) -> PullCredentials:
        return PullCredentials(
            username=credentials["account"],
            password=f"minted-from-{credentials['api_key'][-4:]}",
            registry=FAKE_HOST,
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )

    def find_image(self, credentials, repository, *, tag, digest) -> None:
        if (repository, tag) != ("team/app", "1.0"):
            raise ImageMissing(f"Image {tag} not found in {repository}")
