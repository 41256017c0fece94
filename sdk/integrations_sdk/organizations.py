"""Organizations: the entry point of the SDK (``dl.organizations.get(...)``). Above every other
repository: an Organization hands out its integrations, services, pipelines and drivers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import exceptions
from .audit import Audit
from .client import Client
from .client import client as default_client
from .deployments import Pipelines, Services
from .drivers import Drivers
from .integrations import Integrations
from .members import Members


@dataclass
class Organization:
    id: str
    name: str
    role: str
    integrations: Integrations = field(repr=False, compare=False)

    @property
    def services(self) -> Services:
        return Services(self.integrations._client, self.id)

    @property
    def pipelines(self) -> Pipelines:
        return Pipelines(self.integrations._client, self.id)

    @property
    def drivers(self) -> Drivers:
        """Storage drivers of this organization."""
        return Drivers(self.integrations._client, self.id)

    @property
    def members(self) -> Members:
        """Members and their roles (admins only)."""
        return Members(self.integrations._client, self.id)

    @property
    def audit(self) -> Audit:
        """The organization's audit trail (admins only)."""
        return Audit(self.integrations._client, self.id)


class Organizations:
    def __init__(self, client: Client) -> None:
        self._client = client

    def _entity(self, data: dict[str, Any]) -> Organization:
        return Organization(
            id=data["id"],
            name=data["name"],
            role=data["role"],
            integrations=Integrations(self._client, data["id"]),
        )

    def get(
        self, organization_id: str | None = None, organization_name: str | None = None
    ) -> Organization:
        if organization_id:
            return self._entity(self._client.request("GET", f"/orgs/{organization_id}"))
        if organization_name:
            for organization in self.list():
                if organization.name == organization_name:
                    return organization
            raise exceptions.NotFound(f"No organization named {organization_name!r}.")
        raise exceptions.BadRequest("Pass organization_id=... or organization_name=...")

    def list(self) -> list[Organization]:
        return [self._entity(item) for item in self._client.request("GET", "/orgs")]


organizations = Organizations(default_client)
