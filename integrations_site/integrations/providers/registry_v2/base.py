"""What registry providers that speak the Docker Registry HTTP API v2 share: checks, logins,
image lookups through ``RegistryClient``, and form field helpers.

Each provider is one module beside this one: its form (fields and validation), which fields
are secret, how it logs in, and how the platform SDK's docker-config option shape maps onto
its fields."""

from datetime import UTC, datetime, timedelta

from django import forms
from django.views.decorators.debug import sensitive_variables

from ..base import (
    CheckResult,
    Display,
    ImageMissing,
    IntegrationType,
    Provider,
    PullCredentials,
    RegistryRefused,
    RegistryUnreachable,
    Step,
)
from .client import RegistryClient, RegistryLogin, RegistryProblem

# Static registry logins don't expire; cache them like tokens, for a while.
STATIC_LOGIN_LIFETIME = timedelta(hours=12)


def password_field(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=help_text
        or "Write-only: stored encrypted and never shown again. Re-enter it if the form reports "
        "an error.",
    )


class SecretTextarea(forms.Textarea):
    """A multi-line secret (a JSON key): like a password input, never rendered back."""

    def format_value(self, value):
        return None


def text_field(label: str, *, required: bool = True, help_text: str = "", max_length: int = 255):
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

    def login(self, credentials: dict) -> RegistryLogin:
        raise NotImplementedError

    def host(self, credentials: dict) -> str:
        return self.login(credentials).host

    def display(self, cleaned_data: dict) -> Display:
        return Display(account=cleaned_data.get("username", ""), registry=self.host(cleaned_data))

    def explain(
        self, problem: RegistryProblem, credentials: dict, repository: str
    ) -> RegistryProblem:
        """A problem in the provider's own terms (vendors name robot accounts, tokens...)."""
        return problem

    @sensitive_variables()
    def check(self, credentials: dict, *, repository: str = "") -> CheckResult:
        login = self.login(credentials)
        reachable = Step("reachable", "Registry reachable")
        accepted = Step("credentials", "Credentials accepted")
        steps = [reachable, accepted]
        if repository:
            steps.append(Step("repository", f"Repository access ({repository})"))
        result = CheckResult(steps=steps)
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
            problem = self.explain(problem, credentials, repository)
            result.unreachable = problem.kind == "unreachable"
            failed = next(step for step in steps if step.ok is None)
            failed.ok, failed.message = False, problem.message
        return result

    @sensitive_variables()
    def mint_pull_credentials(self, credentials: dict) -> PullCredentials:
        login = self.login(credentials)
        return PullCredentials(
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
                raise RegistryUnreachable(problem.message) from None
            if problem.kind == "credentials":
                raise RegistryRefused("the registry rejected the username or password") from None
            if problem.kind == "repository" and "may not pull" in problem.message:
                raise RegistryRefused(f"not allowed to pull {repository}") from None
            raise ImageMissing(problem.message) from None
