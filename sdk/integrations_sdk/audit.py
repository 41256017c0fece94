"""The audit trail of an organization (``org.audit``), for its admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from .base import OrgScopedRepository
from .entities import short_repr
from .paging import PagedList


@dataclass
class AuditEvent:
    id: int
    created_at: datetime
    actor: dict[str, str]
    action: str
    target: dict[str, str]
    outcome: str
    details: dict[str, Any]
    client_address: str
    request_id: str
    raw: dict[str, Any]

    def __repr__(self) -> str:
        return short_repr(self, "id", "action", "outcome", "created_at")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditEvent:
        return cls(
            id=data["id"],
            created_at=datetime.fromisoformat(data["createdAt"].replace("Z", "+00:00")),
            actor=data["actor"],
            action=data["action"],
            target=data["target"],
            outcome=data["outcome"],
            details=data["details"],
            client_address=data["clientAddress"],
            request_id=data["requestId"],
            raw=data,
        )


class Audit(OrgScopedRepository):
    collection = "audit"

    def list(
        self,
        organization_id: str | None = None,
        *,
        action: str | None = None,
        actor: str | None = None,
        target: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        page_size: int | None = None,
        count: bool = False,
    ) -> PagedList[AuditEvent]:
        """Events, newest first, filtered like the activity page: a PagedList holding the
        first page, reading the next ones as iteration reaches them."""
        path = self._path(organization_id)
        params: dict[str, Any] = {}
        for name, value in (("action", action), ("actor", actor), ("target", target)):
            if value:
                params[name] = value
        for name, value in (("since", since), ("until", until)):
            if value is not None:
                params[name] = value.isoformat() if isinstance(value, datetime) else value
        if page_size is not None:
            params["pageSize"] = page_size
        if count:
            params["count"] = "true"
        first = self._client.page(path, urlencode(params))
        return PagedList(first, lambda query: self._client.page(path, query), AuditEvent.from_json)
