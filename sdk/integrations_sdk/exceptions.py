"""Typed errors. Each carries the server's status, code, message and field errors; none of
them ever holds the API token or a secret you sent."""

from __future__ import annotations

from typing import Any


class PlatformException(Exception):
    status_code: int | None = None

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        self.message = message
        self.status_code = status_code if status_code is not None else self.status_code
        self.code = code
        self.fields = fields or {}
        super().__init__(self._text())

    def _text(self) -> str:
        text = self.message
        if self.status_code is not None:
            text = f"{self.status_code} {self.code or ''}: {text}".replace(" :", ":")
        for field, messages in self.fields.items():
            text += f"\n  {field}: {' '.join(messages)}"
        return text


class BadRequest(PlatformException):
    status_code = 400


class Unauthorized(PlatformException):
    status_code = 401


class Forbidden(PlatformException):
    status_code = 403


class NotFound(PlatformException):
    status_code = 404


class Conflict(PlatformException):
    status_code = 409


class ServerError(PlatformException):
    status_code = 500


class ConnectionError(PlatformException):
    """The server could not be reached (refused, DNS, TLS or a timeout)."""


class DeleteNotConfirmed(PlatformException):
    """delete() needs sure=True and really=True; nothing was sent."""


_BY_STATUS: dict[int, type[PlatformException]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
}


def from_response(status_code: int, body: Any) -> PlatformException:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        error = {"code": None, "message": f"The server answered {status_code}."}
    if status_code >= 500:
        cls: type[PlatformException] = ServerError
    else:
        cls = _BY_STATUS.get(status_code, BadRequest)
    return cls(
        str(error.get("message") or f"The server answered {status_code}."),
        status_code=status_code,
        code=error.get("code"),
        fields=error.get("fields") or {},
    )
