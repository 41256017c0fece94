from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlencode

from . import exceptions
from .client import Client
from .paging import PagedList

T = TypeVar("T")


class OrgScopedRepository:
    """A collection under one organization (``org.integrations``), or under any organization
    given as ``organization_id=`` (the module-level ``dl.integrations``)."""

    collection: ClassVar[str]  # the path segment under /orgs/{id}/

    def __init__(self, client: Client, organization_id: str | None = None) -> None:
        self._client = client
        self._organization_id = organization_id

    def _path(self, organization_id: str | None, suffix: str = "") -> str:
        org_id = organization_id or self._organization_id
        if not org_id:
            raise exceptions.BadRequest(f"Pass organization_id=..., or use org.{self.collection}.")
        return f"/orgs/{org_id}/{self.collection}{suffix}"

    def _bound(self, organization_id: str | None):
        """This repository, or one bound to `organization_id` for entities it returns."""
        org_id = organization_id or self._organization_id
        return self if org_id == self._organization_id else type(self)(self._client, org_id)

    def _paged(
        self,
        organization_id: str | None,
        wrap: Callable[[Any], T],
        *,
        page_size: int | None = None,
        count: bool = False,
    ) -> PagedList[T]:
        """The first page of this collection now; the others as iteration reaches them."""
        path = self._path(organization_id)
        params: dict[str, Any] = {}
        if page_size is not None:
            params["pageSize"] = page_size
        if count:
            params["count"] = "true"
        first = self._client.page(path, urlencode(params))
        return PagedList(first, lambda query: self._client.page(path, query), wrap)
