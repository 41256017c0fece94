"""Storage drivers: an S3 bucket (and optional path) read with a storage integration's keys.

    dl.drivers.create(name="training-data", integration_id=storage.id, bucket="my-datasets",
                      organization_id=org_id)
    org.drivers.list()

Only storage integrations (type "s3") can back a driver; the server refuses a Container Registry
integration with a BadRequest naming the integrationId field. Needs no Django."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import exceptions
from .base import OrgScopedRepository
from .client import client as default_client
from .entities import short_repr
from .paging import PagedList


def _timestamp(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


@dataclass
class Driver:
    id: str
    name: str
    org: str
    integration_id: str
    integration_name: str
    bucket: str
    path: str = ""
    region: str = ""
    creator: str | None = None
    created_at: datetime | None = None
    _repository: Drivers | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        return short_repr(self, "id", "name", "bucket", "integration_name")

    @classmethod
    def from_json(cls, data: dict[str, Any], repository: Drivers) -> Driver:
        return cls(
            id=data["id"],
            name=data["name"],
            org=data["org"],
            integration_id=data["integrationId"],
            integration_name=data.get("integrationName", ""),
            bucket=data["bucket"],
            path=data.get("path", ""),
            region=data.get("region", ""),
            creator=data.get("creator"),
            created_at=_timestamp(data.get("createdAt")),
            _repository=repository,
        )

    @property
    def drivers(self) -> Drivers:
        if self._repository is None:
            raise RuntimeError("This driver is not bound to an organization.")
        return self._repository

    def delete(self, sure: bool = False, really: bool = False) -> bool:
        return self.drivers.delete(driver_id=self.id, sure=sure, really=really)


class Drivers(OrgScopedRepository):
    """Storage drivers of one organization (``org.drivers``), or of any organization given as
    ``organization_id=`` (the module-level ``dl.drivers``)."""

    collection = "drivers"

    def create(
        self,
        name: str,
        integration_id: str,
        bucket: str,
        path: str | None = None,
        region: str | None = None,
        organization_id: str | None = None,
    ) -> Driver:
        """Create a driver; the server first checks the bucket with the integration's keys
        (BadRequest naming the bucket field if it is missing or not readable)."""
        body: dict[str, Any] = {
            "name": name,
            "integrationId": str(integration_id),
            "bucket": bucket,
        }
        if path is not None:
            body["path"] = path
        if region is not None:
            body["region"] = region
        data = self._client.request("POST", self._path(organization_id), json=body)
        return Driver.from_json(data, self._bound(organization_id))

    def list(
        self,
        organization_id: str | None = None,
        *,
        page_size: int | None = None,
        count: bool = False,
    ) -> PagedList[Driver]:
        """Storage drivers, newest first: a PagedList holding the first page (`.items`),
        reading the next ones as iteration reaches them; `.total_count` is the total when
        known (`count=True` asks the server for it)."""
        bound = self._bound(organization_id)
        return self._paged(
            organization_id,
            lambda item: Driver.from_json(item, bound),
            page_size=page_size,
            count=count,
        )

    def get(self, driver_id: str, organization_id: str | None = None) -> Driver:
        data = self._client.request("GET", self._path(organization_id, f"/{driver_id}"))
        return Driver.from_json(data, self._bound(organization_id))

    def delete(
        self,
        driver_id: str,
        organization_id: str | None = None,
        sure: bool = False,
        really: bool = False,
    ) -> bool:
        """Delete a driver (the bucket is not touched). Needs sure=True, really=True."""
        if not (sure and really):
            raise exceptions.DeleteNotConfirmed(
                "Deleting a storage driver removes it from the organization: "
                "call delete(..., sure=True, really=True)."
            )
        self._client.request("DELETE", self._path(organization_id, f"/{driver_id}"))
        return True


drivers = Drivers(default_client)
