"""Registry providers that speak the Docker Registry HTTP API v2: Docker Hub, Google Artifact
Registry, Azure Container Registry, GitHub Container Registry and any v2 registry.

Each is one class: its form (fields and validation), which fields are secret, how it logs in,
and how the platform SDK's docker-config option shape maps onto its fields."""

import json
import re
from datetime import UTC, datetime, timedelta
from typing import ClassVar
from urllib.parse import urlsplit

from cryptography import x509
from django import forms
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from . import aws
from .models import IntegrationType
from .providers import Display, Provider, register
from .registry_v2 import (
    RegistryClient,
    RegistryLogin,
    RegistryProblem,
    blocked_address,
    is_loopback,
)

# Static registry logins don't expire; cache them like tokens, for a while.
STATIC_LOGIN_LIFETIME = timedelta(hours=12)


def _password(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=help_text
        or "Write-only: stored encrypted and never shown again. Re-enter it if the form reports "
        "an error.",
    )


def _text(label: str, *, required: bool = True, help_text: str = "", max_length: int = 255):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class V2Provider(Provider):
    """Common behaviour; subclasses say how to log in and where the registry is."""

    integration_type = IntegrationType.PRIVATE_REGISTRY
    # For the SDK's {"name": "_json_key", "spec": {"password": base64(docker config)}} shape:
    # docker-config entry keys mapped to form fields ("host" is the auths key).
    docker_config_fields: ClassVar[dict[str, str]] = {}

    def login(self, credentials: dict) -> RegistryLogin:
        raise NotImplementedError

    def host(self, credentials: dict) -> str:
        return self.login(credentials).host

    def display(self, cleaned_data: dict) -> Display:
        return Display(account=cleaned_data.get("username", ""), registry=self.host(cleaned_data))

    def registry_host(self, integration) -> str:
        return integration.registry

    @sensitive_variables()
    def check(self, credentials: dict, *, repository: str = "") -> aws.CheckResult:
        login = self.login(credentials)
        reachable = aws.Step("reachable", "Registry reachable")
        accepted = aws.Step("credentials", "Credentials accepted")
        steps = [reachable, accepted]
        if repository:
            steps.append(aws.Step("repository", f"Repository access ({repository})"))
        result = aws.CheckResult(steps=steps)
        try:
            with RegistryClient(login) as client:
                try:
                    client.ping()
                finally:
                    # Any HTTP answer, even "wrong password", shows the registry is reachable.
                    if client.answered:
                        reachable.ok, reachable.message = True, f"{login.host} answers."
                accepted.ok, accepted.message = True, f"Signed in as {login.username}."
                if repository:
                    client.repository(repository)
                    steps[2].ok, steps[2].message = True, f"Can pull {repository}."
        except RegistryProblem as problem:
            result.unreachable = problem.kind == "unreachable"
            failed = next(step for step in steps if step.ok is None)
            failed.ok, failed.message = False, problem.message
        return result

    @sensitive_variables()
    def mint_pull_credentials(self, credentials: dict) -> aws.PullCredentials:
        login = self.login(credentials)
        return aws.PullCredentials(
            username=login.username,
            password=login.password,
            registry=self.host(credentials),
            expires_at=datetime.now(UTC) + STATIC_LOGIN_LIFETIME,
        )

    @sensitive_variables()
    def find_image(
        self, credentials: dict, repository: str, *, tag: str | None, digest: str | None
    ):
        login = self.login(credentials)
        try:
            with RegistryClient(login) as client:
                client.ping()  # tells "wrong password" apart from "may not pull this"
                client.manifest(repository, digest or tag or "latest")
        except RegistryProblem as problem:
            if problem.kind in ("unreachable", "tls", "blocked"):
                raise aws.RegistryUnreachable(problem.message) from None
            if problem.kind == "credentials":
                raise aws.RegistryRefused(
                    "the registry rejected the username or password"
                ) from None
            if problem.kind == "repository" and "may not pull" in problem.message:
                raise aws.RegistryRefused(f"not allowed to pull {repository}") from None
            raise aws.ImageMissing(problem.message) from None

    def from_docker_config(self, host: str, entry: dict) -> dict:
        """Form data from one `auths` entry of a docker config."""
        return {
            field: host if key == "host" else entry.get(key, "")
            for key, field in self.docker_config_fields.items()
        }


# --- Docker Hub -------------------------------------------------------------------------------


class DockerHubForm(forms.Form):
    username = _text("Username", max_length=100)
    password = _password("Password or access token")
    email = forms.EmailField(label="Email", required=False, help_text="Optional.")


@register
class DockerHubProvider(V2Provider):
    key = "dockerhub"
    display_name = "Docker Hub"
    form_class = DockerHubForm
    secret_fields = ("password",)
    api_fields = {"username": "username", "password": "password", "email": "email"}
    docker_config_fields = {"username": "username", "password": "password", "email": "email"}

    def login(self, credentials: dict) -> RegistryLogin:
        return RegistryLogin(
            url="https://registry-1.docker.io",
            username=credentials["username"],
            password=credentials["password"],
        )

    def host(self, credentials: dict) -> str:
        return "docker.io"  # how image references name Docker Hub (python:3.12 included)


# --- Google Artifact Registry -----------------------------------------------------------------

GAR_HOST = re.compile(r"^([a-z0-9-]+-docker\.pkg\.dev|([a-z]+\.)?gcr\.io)$")


class GarForm(forms.Form):
    location = _text(
        "Location host",
        help_text="The registry host, e.g. europe-west1-docker.pkg.dev.",
        max_length=100,
    )
    service_account = forms.CharField(
        label="Service account JSON key",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        required=False,
        help_text="Paste the key's JSON, or upload the file below. Write-only.",
    )
    service_account_file = forms.FileField(
        label="Service account key file", required=False, help_text="A .json key file."
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


# --- Azure Container Registry -----------------------------------------------------------------

ACR_HOST = re.compile(r"^[a-z0-9]{5,50}\.azurecr\.(io|cn|us)$")


class AcrForm(forms.Form):
    server = _text("Registry server", help_text="NAME.azurecr.io", max_length=100)
    username = _text("Username", help_text="A service principal or the admin user.")
    password = _password("Password")

    def clean_server(self) -> str:
        value = self.cleaned_data["server"].lower()
        if not ACR_HOST.match(value):
            raise ValidationError("Enter the registry server, NAME.azurecr.io.")
        return value


@register
class AcrProvider(V2Provider):
    key = "azure"
    display_name = "Azure Container Registry"
    form_class = AcrForm
    secret_fields = ("password",)
    api_fields = {"server": "server", "username": "username", "password": "password"}
    docker_config_fields = {"host": "server", "username": "username", "password": "password"}

    def login(self, credentials: dict) -> RegistryLogin:
        return RegistryLogin(
            url=f"https://{credentials['server']}",
            username=credentials["username"],
            password=credentials["password"],
        )


# --- GitHub Container Registry ----------------------------------------------------------------


class GhcrForm(forms.Form):
    username = _text("Username", max_length=100)
    token = _password(
        "Personal access token",
        "A token with read:packages. Write-only: stored encrypted and never shown again.",
    )


@register
class GhcrProvider(V2Provider):
    key = "github"
    display_name = "GitHub Container Registry"
    form_class = GhcrForm
    secret_fields = ("token",)
    api_fields = {"username": "username", "token": "token"}
    docker_config_fields = {"username": "username", "password": "token"}

    def login(self, credentials: dict) -> RegistryLogin:
        return RegistryLogin(
            url="https://ghcr.io", username=credentials["username"], password=credentials["token"]
        )


# --- any Docker Registry v2 -------------------------------------------------------------------


class GenericForm(forms.Form):
    url = _text("Registry URL", help_text="https://registry.example.com[:port]", max_length=255)
    username = _text("Username", max_length=100)
    password = _password("Password")
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
        value = self.cleaned_data["url"].rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.path not in ("",):
            raise ValidationError(
                "Enter the registry's base URL, e.g. https://registry.example.com."
            )
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise ValidationError("Use https; plain http is allowed only for a loopback registry.")
        blocked = blocked_address(parts.hostname)
        if blocked:
            raise ValidationError(f"{parts.hostname} resolves to {blocked}, which is not allowed.")
        return value

    def clean_ca_certificate(self) -> str:
        value = self.cleaned_data["ca_certificate"].strip()
        if value:
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
