"""Any Docker Registry v2 (CNCF Distribution, self-hosted), by its base URL."""

from django import forms
from django.core.exceptions import ValidationError

from ... import messages
from ..base import register
from .base import V2Provider, password_field, text_field
from .client import RegistryLogin
from .vendors import endpoint_url


class GenericForm(forms.Form):
    url = text_field(
        "Registry URL", help_text="https://registry.example.com[:port]", max_length=255
    )
    username = text_field("Username", max_length=100)
    password = password_field("Password")
    verify_tls = forms.BooleanField(label="Verify TLS", required=False, initial=True)
    ca_certificate = forms.CharField(
        label="CA certificate",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text="Optional: the PEM certificate of the CA that signed the registry's certificate.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("verify_tls", True)

    def clean_url(self) -> str:
        """scheme://host[:port] only: the URL is shown as the registry, so user info would be
        a password in plain sight. The host must resolve, to addresses the outbound policy
        allows (checked again, on the address connected to, at every connection)."""
        value = self.cleaned_data["url"].strip()
        if "://" not in value:  # here the scheme is asked for: http or https is a choice
            raise ValidationError(messages.REGISTRY_URL_FORM)
        return endpoint_url(value)

    def clean_ca_certificate(self) -> str:
        value = self.cleaned_data["ca_certificate"].strip()
        if value:
            from cryptography import x509  # on first use: not at every start-up

            try:
                x509.load_pem_x509_certificates(value.encode())
            except ValueError:
                raise ValidationError(
                    "Paste a PEM certificate (-----BEGIN CERTIFICATE-----)."
                ) from None
        return value


@register
class GenericProvider(V2Provider):
    key = "generic"
    display_name = "Docker Registry v2"
    category = "self-hosted"
    form_class = GenericForm
    secret_fields = ("password",)
    api_fields = {
        "url": "url",
        "username": "username",
        "password": "password",
        "verifyTls": "verify_tls",
        "caCertificate": "ca_certificate",
    }
    docker_config_fields = {"host": "url", "username": "username", "password": "password"}
    api_defaults = {"verify_tls": True}

    def login(self, credentials: dict) -> RegistryLogin:
        return RegistryLogin(
            url=credentials["url"],
            username=credentials["username"],
            password=credentials["password"],
            verify_tls=credentials.get("verify_tls", True),
            ca_pem=credentials.get("ca_certificate", ""),
        )

    def from_docker_config(self, host: str, entry: dict) -> dict:
        data = super().from_docker_config(host, entry)
        if "://" not in data["url"]:
            data["url"] = f"https://{data['url']}"
        data["verify_tls"] = True
        return data
