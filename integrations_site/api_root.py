"""The REST API v1 root: one NinjaAPI that mounts every app's router.

It sits above the apps (it imports each app's `api` module; no app imports it), beside
urls.py, which mounts it at /api/v1/."""

from django.http import HttpRequest
from django.urls import reverse
from ninja import NinjaAPI, Schema

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
    # Swagger UI from django-ninja's own static files ("ninja" is an installed app), not a CDN:
    # same-origin scripts and styles only, under the site's CSP, no inline script.
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_exception_handlers(api)


class ApiIndex(Schema):
    name: str
    version: str
    docs: str
    openapi: str
    authentication: str


@api.get("/", auth=None, response=ApiIndex, include_in_schema=False, url_name="index")
def api_index(request: HttpRequest) -> dict[str, str]:
    """What a person (or a tool) finds at /api/v1/: where the docs and the schema are."""
    return {
        "name": api.title,
        "version": api.version,
        "docs": request.build_absolute_uri(reverse("api-v1:openapi-view")),
        "openapi": request.build_absolute_uri(reverse("api-v1:openapi-json")),
        "authentication": "Authorization: Bearer <token> (API tokens page or createapitoken)",
    }


api.add_router("/", organizations_router)
api.add_router("/", integrations_router)
api.add_router("/", deployments_router)
api.add_router("/", storage_router)
api.add_router("/", platform_drivers_router)
api.add_router("/", users_router)
api.add_router("/", audit_router)
