"""HTTP transport: base URL, token, timeouts and the mapping of failures to exceptions."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import requests

from . import exceptions

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
API_PREFIX = "/api/v1"


class Client:
    def __init__(self, *, connect_timeout: float = 5.0, read_timeout: float = 30.0) -> None:
        self._base_url: str | None = None
        self._token: str | None = None
        self.timeout = (connect_timeout, read_timeout)
        self._session = requests.Session()

    def __repr__(self) -> str:  # never show the token
        return f"Client(base_url={self.base_url!r})"

    @property
    def base_url(self) -> str:
        return (self._base_url or os.environ.get("DL_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")

    @base_url.setter
    def base_url(self, value: str) -> None:
        self._base_url = value

    @property
    def token(self) -> str:
        token = self._token or os.environ.get("DL_TOKEN")
        if not token:
            raise exceptions.Unauthorized(
                "No API token: call dl.login_token('...') or set DL_TOKEN. "
                "Create one on the API tokens page or with manage.py createapitoken."
            )
        return token

    @token.setter
    def token(self, value: str) -> None:
        self._token = value

    def request(self, method: str, path: str, *, json: Any = None) -> Any:
        response = self._send(method, f"{self.base_url}{API_PREFIX}{path}", json=json)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def page(self, path: str, query: str = "") -> tuple[list[Any], str | None, int | None]:
        """GET one page of a list: its items, the next page's query string (from the Link
        header) and the total (X-Total-Count), each None when not sent. Only the next link's
        query is used, on this client's own base URL: the token goes to no other host."""
        url = f"{self.base_url}{API_PREFIX}{path}" + (f"?{query}" if query else "")
        response = self._send("GET", url)
        following = response.links.get("next", {}).get("url")
        total = response.headers.get("X-Total-Count")
        return (
            response.json(),
            urlsplit(following).query if following else None,
            int(total) if total is not None and total.isdigit() else None,
        )

    def _send(self, method: str, url: str, *, json: Any = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        try:
            response = self._session.request(
                method, url, json=json, headers=headers, timeout=self.timeout
            )
        except requests.Timeout:
            raise exceptions.ConnectionError(
                f"Timed out talking to {self.base_url} (connect {self.timeout[0]}s, "
                f"read {self.timeout[1]}s)."
            ) from None
        except requests.RequestException as error:
            raise exceptions.ConnectionError(
                f"Could not reach {self.base_url}: {type(error).__name__}."
            ) from None
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            raise exceptions.from_response(response.status_code, body)
        return response


client = Client()


def login_token(token: str) -> None:
    client.token = token


def set_base_url(base_url: str) -> None:
    client.base_url = base_url
