"""The REST API v1 root: one NinjaAPI that mounts every app's router.

It sits above the apps (it imports each app's `api` module; no app imports it), beside
urls.py, which mounts it at /api/v1/."""

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja import NinjaAPI, Schema, Swagger
from ninja.openapi.docs import _csrf_needed

from integrations_site.api.audit import router as audit_router
from integrations_site.api.auth import BearerToken
from integrations_site.api.errors import install_exception_handlers
from integrations_site.api.users import router as users_router
from integrations_site.deployments.api import router as deployments_router
from integrations_site.integrations.api import router as integrations_router
from integrations_site.organizations.api import router as organizations_router
from integrations_site.storage.api import router as storage_router
from integrations_site.storage.platform_api import router as platform_drivers_router


class SameOriginSwagger(Swagger):
    """Swagger UI from django-ninja's own template and static files, which settings put on the
    template and static paths. django-ninja renders its CDN page unless it is an installed
    app, and installing it would load the framework in every process at start-up."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "add_csrf": _csrf_needed(api),
        }
        return render(request, self.template, context)


api = NinjaAPI(
    title="Integrations API",
    version="1",
    description="Container registry integrations of an organization. "
    "Authenticate with 'Authorization: Bearer <token>' (API tokens page or createapitoken).",
    urls_namespace="api-v1",
    auth=BearerToken(),
    # Swagger UI from django-ninja's own static files ("ninja" is an installed app), not a CDN:
    # same-origin scripts and styles only, under the site's CSP, no inline script.
    docs=SameOriginSwagger(),
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

# What urls.py mounts at /api/v1/, importing this module on the first request there (or the
# first reverse() of any URL): pages, the worker and management commands start without it.
urlpatterns, app_name, namespace = api.urls
