from __future__ import annotations

from typing import Any

from . import exceptions
from .base import OrgScopedRepository
from .client import client as default_client
from .entities import CheckResult, Integration, IntegrationType
from .paging import PagedList


class Integrations(OrgScopedRepository):
    """Integrations of one organization (``org.integrations``), or of any organization given
    as ``organization_id=`` (the module-level ``dl.integrations``)."""

    collection = "integrations"

    def create(
        self,
        integrations_type: IntegrationType | str,
        name: str,
        options: dict[str, Any],
        metadata: dict[str, Any] | None = None,
        organization_id: str | None = None,
    ) -> Integration:
        body = {
            "type": str(integrations_type),
            "name": name,
            "options": options,
            "metadata": metadata or {},
        }
        data = self._client.request("POST", self._path(organization_id), json=body)
        return Integration.from_json(data, self._bound(organization_id))

    def list(
        self,
        organization_id: str | None = None,
        *,
        page_size: int | None = None,
        count: bool = False,
    ) -> PagedList[Integration]:
        """Integrations, newest first: a PagedList holding the first page (`.items`),
        reading the next ones as iteration reaches them; `.total_count` is the total when
        known (`count=True` asks the server for it)."""
        bound = self._bound(organization_id)
        return self._paged(
            organization_id,
            lambda item: Integration.from_json(item, bound),
            page_size=page_size,
            count=count,
        )

    def get(self, integrations_id: str, organization_id: str | None = None) -> Integration:
        data = self._client.request("GET", self._path(organization_id, f"/{integrations_id}"))
        return Integration.from_json(data, self._bound(organization_id))

    def update(
        self,
        new_name: str | None = None,
        integrations_id: str | None = None,
        integration: Integration | None = None,
        new_options: dict[str, Any] | None = None,
        organization_id: str | None = None,
        reload_services: bool = False,
    ) -> Integration:
        """The only way to edit an integration: rename and/or replace its credentials.

        New credentials take effect at each service's next restart; `reload_services=True`
        restarts the services that use this registry now."""
        integration_id = integrations_id or (integration.id if integration else None)
        if not integration_id:
            raise exceptions.BadRequest("Pass integrations_id=... or integration=...")
        body: dict[str, Any] = {"integrationId": str(integration_id)}
        if new_name is not None:
            body["name"] = new_name
        if new_options is not None:
            credentials: dict[str, Any] = {"options": new_options}
            if integration is not None:
                credentials["type"] = integration.type
            body["credentials"] = credentials
        if reload_services:
            body["reloadServices"] = True
        data = self._client.request("PATCH", self._path(organization_id), json=body)
        return Integration.from_json(data, self._bound(organization_id))

    def delete(
        self,
        integrations_id: str,
        sure: bool = False,
        really: bool = False,
        organization_id: str | None = None,
    ) -> bool:
        if not (sure and really):
            raise exceptions.DeleteNotConfirmed(
                "Deleting an integration revokes access to its registry at once: "
                "call delete(..., sure=True, really=True)."
            )
        self._client.request("DELETE", self._path(organization_id, f"/{integrations_id}"))
        return True

    def check(
        self, integrations_id: str, repository: str = "", organization_id: str | None = None
    ) -> CheckResult:
        """Verify the stored credentials against the registry now and record the status."""
        data = self._client.request(
            "POST",
            self._path(organization_id, f"/{integrations_id}/check"),
            json={"repository": repository},
        )
        return CheckResult.from_json(data)


integrations = Integrations(default_client)
