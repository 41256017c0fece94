"""Django's URL namespace check, minus includes that have not loaded yet.

Django's own (urls.W005) walks every include, importing it; the API's include is lazy
(urls.py, LazyResolver), and importing it for a check would load the whole API framework in
every process. Once loaded, it is walked like any other include."""

from collections import Counter

from django.conf import settings
from django.core.checks import Tags, Warning, register, registry
from django.core.checks.urls import check_url_namespaces_unique


def _namespaces(resolver, parents: tuple[str, ...] = ()) -> list[str]:
    if not getattr(resolver, "loaded", True):
        return []
    patterns = getattr(resolver, "url_patterns", [])
    found = [
        ":".join((*parents, pattern.namespace))
        for pattern in patterns
        if getattr(pattern, "namespace", None) is not None
    ]
    for pattern in patterns:
        namespace = getattr(pattern, "namespace", None)
        found += _namespaces(pattern, (*parents, namespace) if namespace is not None else parents)
    return found


def url_namespaces_unique(app_configs=None, **kwargs) -> list[Warning]:
    if not getattr(settings, "ROOT_URLCONF", None):
        return []
    from django.urls import get_resolver

    counts = Counter(_namespaces(get_resolver()))
    return [
        Warning(
            f"URL namespace '{namespace}' isn't unique. You may not be able to reverse all "
            "URLs in this namespace",
            id="urls.W005",
        )
        for namespace, count in counts.items()
        if count > 1
    ]


def replace_url_namespace_check() -> None:
    registry.registry.registered_checks.discard(check_url_namespaces_unique)
    register(Tags.urls)(url_namespaces_unique)
