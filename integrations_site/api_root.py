"""The REST API v1 root: one NinjaAPI that mounts every app's router.

It sits above the apps (it imports each app's `api` module; no app imports it), beside
urls.py, which mounts it at /api/v1/."""

from ninja import NinjaAPI

from integrations_site.api.audit import router as audit_router
from integrations_site.api.auth import BearerToken
from integrations_site.api.errors import install_exception_handlers
from integrations_site.api.users import router as users_router
from integrations_site.deployments.api import router as deployments_router
from integrations_site.integrations.api import router as integrations_router
from integrations_site.organizations.api import router as organizations_router
from integrations_site.storage.api import router as storage_router
from integrations_site.storage.platform_api import router as platform_drivers_router

api = NinjaAPI(
    title="Integrations API",
    version="1",
    description="Container registry integrations of an organization. "
    "Authenticate with 'Authorization: Bearer <token>' (API tokens page or createapitoken).",
    urls_namespace="api-v1",
    auth=BearerToken(),
    docs_url=None,  # the interactive docs load assets from a CDN, which the CSP forbids
    openapi_url="/openapi.json",
)
install_exception_handlers(api)

api.add_router("/", organizations_router)
api.add_router("/", integrations_router)
api.add_router("/", deployments_router)
api.add_router("/", storage_router)
api.add_router("/", platform_drivers_router)
api.add_router("/", users_router)
api.add_router("/", audit_router)
