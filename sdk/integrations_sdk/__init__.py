"""Python SDK for the Integrations site, shaped like the platform's own SDK (dtlpy):

    pip install ./sdk            # or the wheel: pip install integrations_sdk-*.whl
    import integrations_sdk as dl
    dl.login_token("TOKEN"); dl.set_base_url("http://127.0.0.1:8000")
    org = dl.organizations.get(organization_id=org_id)
    org.integrations.create(integrations_type=dl.IntegrationType.PRIVATE_REGISTRY, ...)
    for integration in org.integrations.list(): ...   # pages followed lazily (PagedList)

Needs only `requests` and Python 3.9 or later: it imports nothing from Django."""

from __future__ import annotations

__version__ = "0.2.0"

from . import exceptions
from .client import Client, client, login_token, set_base_url
from .deployments import Node, Pipeline, Pipelines, Service, Services
from .drivers import Driver, Drivers, drivers
from .entities import CheckResult, CheckStep, Integration, IntegrationType
from .integrations import Integrations, integrations
from .organizations import Organization, Organizations, organizations
from .paging import PagedList
from .utils import IntegrationUtils

__all__ = [
    "CheckResult",
    "CheckStep",
    "Client",
    "Driver",
    "Drivers",
    "Integration",
    "IntegrationType",
    "IntegrationUtils",
    "Integrations",
    "Node",
    "Organization",
    "Organizations",
    "PagedList",
    "Pipeline",
    "Pipelines",
    "Service",
    "Services",
    "client",
    "drivers",
    "exceptions",
    "integrations",
    "login_token",
    "organizations",
    "set_base_url",
]
