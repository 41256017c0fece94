from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Protocol


class IntegrationsRepository(Protocol):
    """What an Integration needs of the repository it came from (repositories.Integrations);
    a protocol, so entities import no repository module."""

    def update(self, *args: Any, **kwargs: Any) -> Any: ...

    def delete(self, *args: Any, **kwargs: Any) -> Any: ...


class IntegrationType(str, Enum):
    """Compares equal to its value ("private-registry"); str() is the value, as a StrEnum's
    would be (StrEnum needs Python 3.11; the SDK runs on 3.9)."""

    PRIVATE_REGISTRY = "private-registry"
    S3 = "s3"
    GCS = "gcs"
    AZUREBLOB = "azureblob"
    KEY_VALUE = "key_value"

    def __str__(self) -> str:
        return str(self.value)


def short_repr(entity: Any, *names: str) -> str:
    """`Integration(id='…', name='…', provider='aws', status='verified')`: the fields that tell
    entities apart, not every field (a full dataclass repr ran to ~600 characters)."""
    shown = ", ".join(f"{name}={getattr(entity, name)!r}" for name in names)
    return f"{type(entity).__name__}({shown})"


def _timestamp(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


@dataclass
class Integration:
    id: str
    name: str
    type: str
    org: str
    creator: str | None
    created_at: datetime | None
    updated_at: datetime | None
    metadata: dict[str, Any]
    provider: str
    account: str = ""
    region: str = ""
    key_hint: str = ""
    status: str = ""
    status_reason: str = ""
    checked_at: datetime | None = None
    registry: str = ""
    # Non-secret setup values, e.g. an AWS role's externalId and trustPolicy.
    details: dict[str, Any] = field(default_factory=dict)
    _repository: IntegrationsRepository | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any], repository: IntegrationsRepository) -> Integration:
        return cls(
            id=data["id"],
            name=data["name"],
            type=data["type"],
            org=data["org"],
            creator=data.get("creator"),
            created_at=_timestamp(data.get("createdAt")),
            updated_at=_timestamp(data.get("updatedAt")),
            metadata=data.get("metadata") or {},
            provider=data.get("provider", ""),
            account=data.get("account", ""),
            region=data.get("region", ""),
            key_hint=data.get("keyHint", ""),
            status=data.get("status", ""),
            status_reason=data.get("statusReason", ""),
            checked_at=_timestamp(data.get("checkedAt")),
            registry=data.get("registry", ""),
            details=data.get("details") or {},
            _repository=repository,
        )

    def __repr__(self) -> str:
        return short_repr(self, "id", "name", "provider", "status")

    @property
    def integrations(self) -> IntegrationsRepository:
        if self._repository is None:
            raise RuntimeError("This integration is not bound to an organization.")
        return self._repository

    def update(
        self,
        new_name: str | None = None,
        new_options: dict | None = None,
        reload_services: bool = False,
    ) -> Integration:
        """Rename and/or replace credentials; returns the updated integration."""
        return self.integrations.update(
            integrations_id=self.id,
            new_name=new_name,
            new_options=new_options,
            reload_services=reload_services,
        )

    def delete(self, sure: bool = False, really: bool = False) -> bool:
        return self.integrations.delete(integrations_id=self.id, sure=sure, really=really)

    def check(self, repository: str = "") -> CheckResult:
        """Verify the stored credentials now; updates this entity's status."""
        result = self.integrations.check(integrations_id=self.id, repository=repository)
        self.status, self.status_reason, self.checked_at = (
            result.status,
            result.status_reason,
            result.checked_at,
        )
        return result


@dataclass(frozen=True)
class CheckStep:
    key: str
    label: str
    ok: bool | None
    message: str


@dataclass(frozen=True)
class CheckResult:
    status: str
    status_reason: str
    checked_at: datetime | None
    steps: list[CheckStep]

    def __repr__(self) -> str:
        return short_repr(self, "status", "status_reason")

    @property
    def ok(self) -> bool:
        return self.status == "verified"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            status=data["status"],
            status_reason=data.get("statusReason", ""),
            checked_at=_timestamp(data.get("checkedAt")),
            steps=[CheckStep(**step) for step in data.get("steps", [])],
        )
