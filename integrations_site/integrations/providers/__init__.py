"""Integration providers: ``base`` holds the protocol and the registry; every other module
below this package defines providers and registers them on import."""

import importlib
import pkgutil

from .base import (
    CheckResult,
    Display,
    ImageMissing,
    IntegrationType,
    Provider,
    PublicDetail,
    PullCredentials,
    RegistryRefused,
    RegistryUnreachable,
    Step,
    all_providers,
    get_provider,
    provider_display_name,
    providers_for,
    register,
    unregister,
)

__all__ = [
    "CheckResult",
    "Display",
    "ImageMissing",
    "IntegrationType",
    "Provider",
    "PublicDetail",
    "PullCredentials",
    "RegistryRefused",
    "RegistryUnreachable",
    "Step",
    "all_providers",
    "get_provider",
    "load_providers",
    "provider_display_name",
    "providers_for",
    "register",
    "unregister",
]


def load_providers() -> None:
    """Import every module of this package, so each provider registers itself. Called once,
    by the first lookup (base._registry()); a new provider module needs no list to be edited.
    Private modules (`_name`) register nothing and load where they are used."""
    for module in pkgutil.walk_packages(__path__, prefix=f"{__name__}."):
        if not module.name.rpartition(".")[2].startswith("_"):
            importlib.import_module(module.name)
