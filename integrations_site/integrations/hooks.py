"""How apps built on top of integrations hear about registry integrations, without
integrations importing them (docs/architecture.md: imports point down only).

An app registers one ``RegistryListener`` in its ``AppConfig.ready()``; integrations calls
every registered listener at the moments below. Listeners run inside the caller's
transaction, so whatever they write commits or rolls back with the change itself."""

from collections.abc import Iterable
from typing import Protocol

from django.contrib.auth.base_user import AbstractBaseUser

from integrations_site.organizations.models import Organization


class RegistryListener(Protocol):
    def registry_dependants(self, *, organization: Organization, registry: str) -> dict[str, list]:
        """What uses `registry` (shown before deleting its integration), by kind."""
        ...

    def registry_access_lost(
        self, *, organization: Organization, registry: str, integration_name: str
    ) -> None:
        """The last integration serving `registry` was deleted: access ends now."""
        ...

    def registry_credentials_reload(
        self, *, organization: Organization, registry: str, user: AbstractBaseUser | None
    ) -> None:
        """New credentials for `registry` should be used now (e.g. restart what uses it)."""
        ...


_listeners: list[RegistryListener] = []


def register_listener(listener: RegistryListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def listeners() -> Iterable[RegistryListener]:
    return tuple(_listeners)


def registry_dependants(*, organization: Organization, registry: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for listener in listeners():
        for kind, objects in listener.registry_dependants(
            organization=organization, registry=registry
        ).items():
            found.setdefault(kind, []).extend(objects)
    return found


def registry_access_lost(*, organization: Organization, registry: str, integration_name: str):
    for listener in listeners():
        listener.registry_access_lost(
            organization=organization, registry=registry, integration_name=integration_name
        )


def registry_credentials_reload(
    *, organization: Organization, registry: str, user: AbstractBaseUser | None
) -> None:
    for listener in listeners():
        listener.registry_credentials_reload(
            organization=organization, registry=registry, user=user
        )
