"""Services and pipelines: `org.services.deploy(...)`, `service.restart()`,
`org.pipelines.create(...)`, `pipeline.install()`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .base import OrgScopedRepository
from .entities import _timestamp, short_repr
from .paging import PagedList


@dataclass
class Node:
    name: str
    runner_image: str
    status: str
    status_reason: str
    last_deployed_at: datetime | None
    registry: str = ""

    def __repr__(self) -> str:
        return short_repr(self, "name", "runner_image", "status")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Node:
        return cls(
            name=data["name"],
            runner_image=data["runnerImage"],
            status=data["status"],
            status_reason=data.get("statusReason", ""),
            last_deployed_at=_timestamp(data.get("lastDeployedAt")),
            registry=data.get("registry", ""),
        )


@dataclass
class Service(Node):
    id: str = ""
    org: str = ""
    _repository: Services | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        return short_repr(self, "id", "name", "runner_image", "status")

    @classmethod
    def from_json(cls, data: dict[str, Any], repository: Services | None = None) -> Service:
        node = Node.from_json(data)
        return cls(**vars(node), id=data["id"], org=data["org"], _repository=repository)

    def restart(self) -> Service:
        """Restart now; returns the service with the outcome (Running or ImagePullBackOff)."""
        if self._repository is None:
            raise RuntimeError("This service is not bound to an organization.")
        return self._repository.restart(service_id=self.id)


@dataclass
class Pipeline:
    id: str
    name: str
    org: str
    last_installed_at: datetime | None
    nodes: list[Node]
    _repository: Pipelines | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        return short_repr(self, "id", "name", "nodes")

    @classmethod
    def from_json(cls, data: dict[str, Any], repository: Pipelines | None = None) -> Pipeline:
        return cls(
            id=data["id"],
            name=data["name"],
            org=data["org"],
            last_installed_at=_timestamp(data.get("lastInstalledAt")),
            nodes=[Node.from_json(node) for node in data.get("nodes", [])],
            _repository=repository,
        )

    def install(self) -> Pipeline:
        """Deploy every node; each node reports its own status."""
        if self._repository is None:
            raise RuntimeError("This pipeline is not bound to an organization.")
        return self._repository.install(pipeline_id=self.id)


class Services(OrgScopedRepository):
    collection = "services"

    def deploy(self, name: str, runner_image: str, organization_id: str | None = None) -> Service:
        """Deploy (or update to a new image) and return the outcome."""
        data = self._client.request(
            "POST",
            self._path(organization_id),
            json={"name": name, "runnerImage": runner_image},
        )
        return Service.from_json(data, self)

    def list(
        self,
        organization_id: str | None = None,
        *,
        page_size: int | None = None,
        count: bool = False,
    ) -> PagedList[Service]:
        """Services, newest first: a PagedList holding the first page (`.items`),
        reading the next ones as iteration reaches them; `.total_count` is the total when
        known (`count=True` asks the server for it)."""
        return self._paged(
            organization_id,
            lambda item: Service.from_json(item, self),
            page_size=page_size,
            count=count,
        )

    def get(self, service_id: str, organization_id: str | None = None) -> Service:
        data = self._client.request("GET", self._path(organization_id, f"/{service_id}"))
        return Service.from_json(data, self)

    def restart(self, service_id: str, organization_id: str | None = None) -> Service:
        data = self._client.request("POST", self._path(organization_id, f"/{service_id}/restart"))
        return Service.from_json(data, self)


class Pipelines(OrgScopedRepository):
    collection = "pipelines"

    def create(
        self, name: str, nodes: list[dict[str, str]], organization_id: str | None = None
    ) -> Pipeline:
        """`nodes`: [{"name": ..., "runner_image": ...}, ...]."""
        body = {
            "name": name,
            "nodes": [
                {
                    "name": node["name"],
                    "runnerImage": node.get("runner_image") or node["runnerImage"],
                }
                for node in nodes
            ],
        }
        data = self._client.request("POST", self._path(organization_id), json=body)
        return Pipeline.from_json(data, self)

    def list(
        self,
        organization_id: str | None = None,
        *,
        page_size: int | None = None,
        count: bool = False,
    ) -> PagedList[Pipeline]:
        """Pipelines, newest first: a PagedList holding the first page (`.items`),
        reading the next ones as iteration reaches them; `.total_count` is the total when
        known (`count=True` asks the server for it)."""
        return self._paged(
            organization_id,
            lambda item: Pipeline.from_json(item, self),
            page_size=page_size,
            count=count,
        )

    def get(self, pipeline_id: str, organization_id: str | None = None) -> Pipeline:
        data = self._client.request("GET", self._path(organization_id, f"/{pipeline_id}"))
        return Pipeline.from_json(data, self)

    def install(self, pipeline_id: str, organization_id: str | None = None) -> Pipeline:
        data = self._client.request("POST", self._path(organization_id, f"/{pipeline_id}/install"))
        return Pipeline.from_json(data, self)
