"""A small client for the Docker Registry HTTP API v2 (Docker Hub, GAR, ACR, GHCR, Distribution).

`GET /v2/`, then follow a 401 challenge: Basic, or Bearer (ask the challenge's `realm` for a
token with its `service` and the `scope` we need, sending the username and password). Each
failure is a `RegistryProblem` whose `kind` says what went wrong: unreachable, tls,
credentials, repository (not found or not allowed), tag. Read-only: GET and HEAD only.

The whole of one check or image lookup is bounded by a deadline, like the AWS checks. Every
connection (the registry, each redirect, the token realm) goes through the outbound policy
(`..outbound`); redirects are followed here, a bounded number of times, never automatically."""

import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from django.views.decorators.debug import sensitive_variables

from ... import messages
from ..base import CHECK_DEADLINE_SECONDS
from ..outbound import AddressNotAllowed, normalize

if TYPE_CHECKING:
    import requests

DEADLINE_SECONDS = CHECK_DEADLINE_SECONDS
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
MAX_REDIRECTS = 5
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')


def is_loopback(host: str) -> bool:
    """Whether `host` names loopback literally (plain http is allowed only there)."""
    if host == "localhost":
        return True
    try:
        return normalize(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port


@dataclass(frozen=True)
class RegistryLogin:
    url: str  # https://host[:port], or http:// for a loopback registry
    username: str
    password: str = field(repr=False)
    verify_tls: bool = True
    ca_pem: str = ""

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc


class RegistryProblem(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class RegistryClient:
    """One conversation with a registry; use as a context manager."""

    def __init__(self, login: RegistryLogin, *, deadline: float = DEADLINE_SECONDS) -> None:
        self.login = login
        self.end = time.monotonic() + deadline
        # requests loads with the first client, not at start-up (~0.05 s).
        import requests

        from .._outbound_http import VettedAdapter

        self.session = requests.Session()
        # No proxies or ~/.netrc from the environment: a proxy would connect past the policy.
        self.session.trust_env = False
        self.session.mount("http://", VettedAdapter())
        self.session.mount("https://", VettedAdapter())
        self.session.headers["User-Agent"] = "integrations-site"
        self._ca_file: str | None = None
        # Passed with every request: a session-level value would lose to REQUESTS_CA_BUNDLE.
        self._verify: bool | str = login.verify_tls
        if login.ca_pem:
            handle, self._ca_file = tempfile.mkstemp(suffix=".pem")
            with os.fdopen(handle, "w") as ca_file:
                ca_file.write(login.ca_pem)
            self._verify = self._ca_file
        self._tokens: dict[str, str] = {}
        self.answered = False  # whether any HTTP answer came back at all

    def __enter__(self) -> "RegistryClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.session.close()
        if self._ca_file:
            os.unlink(self._ca_file)

    # --- transport ------------------------------------------------------------------------

    def _timeout(self) -> tuple[float, float]:
        remaining = self.end - time.monotonic()
        if remaining <= 0.25:
            raise RegistryProblem("unreachable", f"Could not reach {self.login.host} in time.")
        return (min(CONNECT_TIMEOUT, remaining * 0.4), min(READ_TIMEOUT, remaining * 0.6))

    @sensitive_variables()
    def _send(
        self, method: str, url: str, *, headers: dict | None = None, auth=None, params=None
    ) -> "requests.Response":
        """One request, following redirects ourselves: each hop's address is checked when its
        connection opens, plain http stays on loopback, credentials stay with their origin."""
        headers = dict(headers or {})
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send_once(method, url, headers=headers, auth=auth, params=params)
            if not response.is_redirect:
                return response
            response.close()
            target = urljoin(url, response.headers["Location"])
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https") or (
                parts.scheme == "http" and not is_loopback(parts.hostname or "")
            ):
                raise RegistryProblem("blocked", messages.redirect_not_allowed(self.login.host))
            if _origin(target) != _origin(url):
                auth = None
                headers.pop("Authorization", None)
            if response.status_code == 303 and method != "HEAD":
                method = "GET"
            url, params = target, None  # the Location carries its own query
        raise RegistryProblem("unreachable", messages.TOO_MANY_REDIRECTS)

    @sensitive_variables()
    def _send_once(self, method: str, url: str, **kwargs) -> "requests.Response":
        import requests  # loaded by __init__ already

        try:
            response = self.session.request(
                method,
                url,
                timeout=self._timeout(),
                allow_redirects=False,
                verify=self._verify,
                **kwargs,
            )
            self.answered = True
            return response
        except AddressNotAllowed:
            # The same words whatever the address or port: no map of what answers where.
            raise RegistryProblem("blocked", messages.ADDRESS_NOT_ALLOWED) from None
        except requests.exceptions.SSLError as error:
            reason = str(error.args[0]) if error.args else "TLS handshake failed"
            detail = "certificate not trusted" if "CERTIFICATE_VERIFY_FAILED" in reason else reason
            raise RegistryProblem(
                "tls", f"TLS error talking to {self.login.host}: {detail[:200]}."
            ) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout):
            raise RegistryProblem("unreachable", f"Could not reach {self.login.host}.") from None
        except requests.exceptions.RequestException as error:
            raise RegistryProblem(
                "unreachable", f"Could not talk to {self.login.host} ({type(error).__name__})."
            ) from None

    @sensitive_variables()
    def _token(self, challenge: dict[str, str], scope: str) -> str:
        key = f"{challenge.get('realm')}|{scope}"
        if key in self._tokens:
            return self._tokens[key]
        realm = urlsplit(challenge["realm"])
        if realm.scheme != "https" and not is_loopback(realm.hostname or ""):
            # The login would travel in clear text to wherever the challenge points.
            raise RegistryProblem(
                "blocked",
                f"{self.login.host} asks for a token over plain http ({realm.hostname}); "
                "refusing to send the credentials.",
            )
        params = {"service": challenge.get("service", "")}
        if scope:
            params["scope"] = scope
        auth = (self.login.username, self.login.password) if self.login.username else None
        response = self._send("GET", challenge["realm"], params=params, auth=auth)
        if response.status_code in (401, 403):
            raise RegistryProblem(
                "credentials", f"{self.login.host} rejected the username or password."
            )
        if response.status_code != 200:
            raise RegistryProblem(
                "unreachable",
                f"{self.login.host}'s token service answered {response.status_code}.",
            )
        try:
            body = response.json()
            token = body.get("token") or body["access_token"]
        except (ValueError, KeyError, AttributeError):
            raise RegistryProblem(
                "unreachable", f"{self.login.host}'s token service gave no token."
            ) from None
        self._tokens[key] = token
        return token

    @sensitive_variables()
    def request(self, method: str, path: str, *, scope: str = "", **kwargs) -> "requests.Response":
        """Send, answering one auth challenge if the registry asks."""
        url = self.login.url.rstrip("/") + path
        response = self._send(method, url, **kwargs)
        if response.status_code != 401:
            return response
        header = response.headers.get("WWW-Authenticate", "")
        scheme = header.split(" ", 1)[0].lower()
        challenge = dict(_CHALLENGE.findall(header))
        if scheme == "bearer" and challenge.get("realm"):
            token = self._token(challenge, scope or challenge.get("scope", ""))
            headers = {**(kwargs.pop("headers", None) or {}), "Authorization": f"Bearer {token}"}
            return self._send(method, url, headers=headers, **kwargs)
        if scheme == "basic":
            return self._send(
                method, url, auth=(self.login.username, self.login.password), **kwargs
            )
        return response

    # --- what the checks and deploys ask ---------------------------------------------------

    def ping(self) -> None:
        """Reachable, and these credentials are accepted."""
        response = self.request("GET", "/v2/")
        if response.status_code in (401, 403):
            raise RegistryProblem(
                "credentials", f"{self.login.host} rejected the username or password."
            )
        if response.status_code != 200:
            raise RegistryProblem(
                "unreachable",
                f"{self.login.host} does not answer as a registry (HTTP {response.status_code}).",
            )

    def _denied_or_missing(self, response: "requests.Response", repository: str) -> None:
        if response.status_code in (401, 403):
            raise RegistryProblem(
                "repository",
                f"Repository {repository} not found on {self.login.host}, or these credentials "
                "may not pull it.",
            )
        if response.status_code == 404 and _error_code(response) in ("NAME_UNKNOWN", ""):
            raise RegistryProblem(
                "repository", f"Repository {repository} not found on {self.login.host}."
            )

    def repository(self, repository: str) -> None:
        """The repository exists and may be pulled."""
        response = self.request(
            "GET", f"/v2/{repository}/tags/list", scope=f"repository:{repository}:pull"
        )
        self._denied_or_missing(response, repository)
        if response.status_code != 200:
            raise RegistryProblem(
                "repository",
                f"{self.login.host} answered {response.status_code} for {repository}.",
            )

    def manifest(self, repository: str, reference: str) -> str:
        """The digest of `repository:reference` (a tag or a digest)."""
        path = f"/v2/{repository}/manifests/{reference}"
        headers = {"Accept": MANIFEST_TYPES}
        scope = f"repository:{repository}:pull"
        response = self.request("HEAD", path, scope=scope, headers=headers)
        if response.status_code == 404:
            # HEAD has no body: ask again to learn whether the tag or the repository is missing.
            response = self.request("GET", path, scope=scope, headers=headers)
            if _error_code(response) == "MANIFEST_UNKNOWN":
                raise RegistryProblem("tag", f"Image {reference} not found in {repository}")
        self._denied_or_missing(response, repository)
        if response.status_code != 200:
            raise RegistryProblem(
                "tag", f"{self.login.host} answered {response.status_code} for {reference}."
            )
        return response.headers.get("Docker-Content-Digest", "")


def _error_code(response: "requests.Response") -> str:
    try:
        errors = response.json().get("errors") or []
        return str(errors[0].get("code", "")) if errors else ""
    except (ValueError, AttributeError, IndexError):
        return ""
