"""Members of an organization (``org.members``): list, add, change a role, remove. Admins only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .base import OrgScopedRepository
from .entities import short_repr


@dataclass
class Member:
    user_id: int
    username: str
    email: str
    role: str
    joined_at: datetime

    def __repr__(self) -> str:
        return short_repr(self, "user_id", "username", "role")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Member:
        return cls(
            user_id=data["userId"],
            username=data["username"],
            email=data["email"],
            role=data["role"],
            joined_at=datetime.fromisoformat(data["joinedAt"].replace("Z", "+00:00")),
        )


class Members(OrgScopedRepository):
    collection = "members"

    def list(self, organization_id: str | None = None) -> list[Member]:
        return [
            Member.from_json(item)
            for item in self._client.request("GET", self._path(organization_id))
        ]

    def add(self, user: str, role: str = "member", organization_id: str | None = None) -> Member:
        """Add an existing user, named by username or e-mail, as "member" or "admin"."""
        body = {"user": user, "role": role}
        return Member.from_json(
            self._client.request("POST", self._path(organization_id), json=body)
        )

    def update(self, user_id: int, role: str, organization_id: str | None = None) -> Member:
        """Change a member's role; the last admin can't be demoted (Conflict)."""
        path = self._path(organization_id, f"/{user_id}")
        return Member.from_json(self._client.request("PATCH", path, json={"role": role}))

    def remove(self, user_id: int, organization_id: str | None = None) -> None:
        """Remove a member; the last admin can't be removed (Conflict)."""
        self._client.request("DELETE", self._path(organization_id, f"/{user_id}"))
