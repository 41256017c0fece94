"""Google Artifact Registry (and gcr.io), signed in with a service account JSON key."""

import json
import re

from django import forms
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from ..base import Display, register
from .base import SecretTextarea, V2Provider, text_field
from .client import RegistryLogin

GAR_HOST = re.compile(r"^([a-z0-9-]+-docker\.pkg\.dev|([a-z]+\.)?gcr\.io)$")


class GarForm(forms.Form):
    location = text_field(
        "Location host",
        help_text="The registry host, e.g. europe-west1-docker.pkg.dev.",
        max_length=100,
    )
    service_account = forms.CharField(
        label="Service account JSON key",
        widget=SecretTextarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"}),
        required=False,
        help_text="Paste the key's JSON, or upload the file below. Write-only: never shown "
        "again, re-enter it if the form reports an error.",
    )
    service_account_file = forms.FileField(
        label="Service account key file",
        required=False,
        help_text="A .json key file.",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )
    email = forms.EmailField(label="Email", required=False, help_text="Optional.")

    def clean_location(self) -> str:
        value = self.cleaned_data["location"].lower()
        if not GAR_HOST.match(value):
            raise ValidationError(
                "Enter an Artifact Registry host such as europe-west1-docker.pkg.dev."
            )
        return value

    @sensitive_variables()
    def clean(self) -> dict:
        data = super().clean()
        upload = data.pop("service_account_file", None)
        text = data.get("service_account") or ""
        if upload:
            try:
                text = upload.read(64 * 1024).decode("utf-8")
            except UnicodeDecodeError:
                self.add_error("service_account_file", "The file is not a text JSON key.")
                return data
        if not text.strip():
            self.add_error("service_account", "Paste the service account JSON key or upload it.")
            return data
        data["service_account"] = validate_service_account(text, self, "service_account")
        return data


@sensitive_variables()
def validate_service_account(text: str, form: forms.Form, field: str) -> str:
    try:
        key = json.loads(text)
    except ValueError as error:
        form.add_error(field, f"The key is not valid JSON ({error.msg} at line {error.lineno}).")
        return text
    if not isinstance(key, dict):
        form.add_error(field, "The key must be a JSON object.")
        return text
    if key.get("type") != "service_account":
        form.add_error(
            field, f"This is not a service account key (its type is {key.get('type')!r})."
        )
        return text
    missing = [name for name in ("client_email", "private_key") if not key.get(name)]
    if missing:
        form.add_error(field, f"The key is missing: {', '.join(missing)}.")
    return json.dumps(key, separators=(",", ":"))


@register
class GarProvider(V2Provider):
    key = "gcp"
    display_name = "GCP Artifact Registry"
    category = "cloud"
    form_class = GarForm
    secret_fields = ("service_account",)
    api_fields = {"location": "location", "serviceAccount": "service_account", "email": "email"}
    docker_config_fields = {"host": "location", "password": "service_account", "email": "email"}

    def credentials(self, cleaned_data: dict) -> dict:
        return {k: cleaned_data.get(k, "") for k in ("location", "service_account", "email")}

    def login(self, credentials: dict) -> RegistryLogin:
        return RegistryLogin(
            url=f"https://{credentials['location']}",
            username="_json_key",
            password=credentials["service_account"],
        )

    def display(self, cleaned_data: dict) -> Display:
        try:
            account = json.loads(cleaned_data["service_account"]).get("client_email", "")
        except (ValueError, AttributeError):
            account = ""
        return Display(account=account, registry=cleaned_data["location"])
