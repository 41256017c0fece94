#!/usr/bin/env python3
"""kubelet exec credential provider for the Integrations site.

    python -m integrations_site.credential_provider < CredentialProviderRequest.json

kubelet runs this for each image that matches the `matchImages` of its
CredentialProviderConfig, writes a `CredentialProviderRequest` (apiVersion
credentialprovider.kubelet.k8s.io/v1) with the `image` on stdin and reads a
`CredentialProviderResponse` from stdout. We ask the site's pull-credentials API for the
organization's integration that serves the image's registry host, so every pod start gets
fresh credentials and a deleted integration gives none at the next pod start.

Configuration, from the environment (kubelet passes `env` from its config) or a JSON file named
by INTEGRATIONS_CREDENTIAL_PROVIDER_CONFIG with the same keys in lower case:
  INTEGRATIONS_BASE_URL   e.g. https://integrations.example.com
  INTEGRATIONS_TOKEN      the organization's runtime token (createapitoken ADMIN --runtime ORG)
  INTEGRATIONS_ORG_ID     the organization whose integrations serve this cluster
  INTEGRATIONS_CACHE_SECONDS  how long kubelet may reuse the answer (default 0: ask every pull)

Standard library only, so it runs on a node without the site's dependencies. On any failure it
writes a one-line reason to stderr, nothing to stdout, and exits non-zero: kubelet then pulls
without credentials and the pod shows the pull error."""

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

API_VERSION = "credentialprovider.kubelet.k8s.io/v1"
TIMEOUT_SECONDS = 15
SETTINGS = ("base_url", "token", "org_id", "cache_seconds")


class ProviderError(Exception):
    pass


def load_settings(environ: dict[str, str]) -> dict[str, str]:
    settings: dict[str, str] = {}
    path = environ.get("INTEGRATIONS_CREDENTIAL_PROVIDER_CONFIG")
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as error:
            raise ProviderError(f"Cannot read config file {path}: {error}") from None
        settings.update({key: str(data[key]) for key in SETTINGS if data.get(key) is not None})
    for key in SETTINGS:
        value = environ.get(f"INTEGRATIONS_{key.upper()}")
        if value:
            settings[key] = value
    missing = [f"INTEGRATIONS_{key.upper()}" for key in SETTINGS[:3] if not settings.get(key)]
    if missing:
        raise ProviderError(f"Missing configuration: {', '.join(missing)}.")
    return settings


def read_request(stream) -> str:
    try:
        request = json.load(stream)
    except ValueError:
        raise ProviderError("stdin is not a JSON CredentialProviderRequest.") from None
    if not isinstance(request, dict) or request.get("kind") != "CredentialProviderRequest":
        raise ProviderError("stdin is not a CredentialProviderRequest.")
    if request.get("apiVersion") != API_VERSION:
        raise ProviderError(f"Unsupported apiVersion {request.get('apiVersion')!r}.")
    image = request.get("image")
    if not isinstance(image, str) or not image:
        raise ProviderError("The CredentialProviderRequest has no image.")
    return image


def fetch_credentials(settings: dict[str, str], image: str) -> dict[str, Any]:
    base_url = settings["base_url"].rstrip("/")
    query = urllib.parse.urlencode({"image": image})
    org_id = urllib.parse.quote(settings["org_id"], safe="")
    url = f"{base_url}/api/v1/orgs/{org_id}/pull-credentials?{query}"
    request = urllib.request.Request(  # noqa: S310 - the URL scheme comes from the operator
        url,
        headers={"Authorization": f"Bearer {settings['token']}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return json.load(response)
    except urllib.error.HTTPError as error:
        try:
            message = json.load(error)["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = f"HTTP {error.code}"
        raise ProviderError(f"{base_url} answered {error.code}: {message}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ProviderError(f"Could not reach {base_url}: {reason}") from None


def build_response(credentials: dict[str, Any], cache_seconds: int) -> dict[str, Any]:
    auths = credentials.get("auths") or {}
    if not auths:
        raise ProviderError("The site returned no credentials.")
    return {
        "apiVersion": API_VERSION,
        "kind": "CredentialProviderResponse",
        "cacheKeyType": "Registry",
        "cacheDuration": f"{cache_seconds}s",
        "auth": {
            host: {"username": entry["username"], "password": entry["password"]}
            for host, entry in auths.items()
        },
    }


def main(stdin=None, stdout=None, stderr=None, environ=None) -> int:
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    environ = os.environ if environ is None else environ
    try:
        settings = load_settings(environ)
        image = read_request(stdin)
        try:
            cache_seconds = max(0, int(settings.get("cache_seconds", "0")))
        except ValueError:
            raise ProviderError("INTEGRATIONS_CACHE_SECONDS must be a whole number.") from None
        response = build_response(fetch_credentials(settings, image), cache_seconds)
    except ProviderError as error:
        print(f"integrations credential provider: {error}", file=stderr)
        return 1
    json.dump(response, stdout)
    stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
