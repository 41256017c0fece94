import os
import sys

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.templatetags.static import static
from django.urls import URLResolver, include, path
from django.urls.resolvers import RoutePattern
from django.utils.functional import lazy
from django.views.generic import RedirectView

API_URLCONF = "integrations_site.api_root"


class LazyResolver(URLResolver):
    """An include whose module is imported when first resolved into or reversed (Django's
    URLResolver imports a dotted name on use), and whose system checks wait for that: the API
    (django-ninja, pydantic and some 300 operations, a third of a process's start-up) loads
    with the first API request or reverse(), not with every page, worker and command. The URL
    namespace check skips it until then too (ops/checks.py)."""

    @property
    def loaded(self) -> bool:
        return self.urlconf_name in sys.modules

    def check(self):
        return super().check() if self.loaded else self.pattern.check()


def lazy_include(route: str, urlconf: str, *, app_name: str, namespace: str) -> LazyResolver:
    return LazyResolver(RoutePattern(route), urlconf, app_name=app_name, namespace=namespace)


urlpatterns = [
    # First: a request tries the patterns in order, and the API is the busiest (pull credentials
    # on every pod start); behind the "" includes it paid for failing each of their patterns.
    lazy_include("api/v1/", API_URLCONF, app_name="ninja", namespace="api-v1"),
    path("", RedirectView.as_view(pattern_name="integrations:list", permanent=False)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orgs/", include("integrations_site.organizations.urls")),
    path("integrations/", include("integrations_site.integrations.urls")),
    path("storage-drivers/", include("integrations_site.storage.urls")),
    path("tokens/", include("integrations_site.api.urls")),
    path("", include("integrations_site.deployments.urls")),
    # Operations: liveness, readiness, metrics (no sign-in; /metrics guards itself).
    path("", include("integrations_site.ops.urls")),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages that don't name one (the admin).
    # Lazy: with hashed names the manifest is read per request, not when the URLs load (before
    # collectstatic has run, e.g. the system checks of migrate or of the worker).
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=True)),
]

# scripts/bench_serve.py's baseline only, set in its server's environment; unset, no such URL.
if os.environ.get("BENCH_HELLO") == "1":
    urlpatterns.append(path("bench/hello", lambda request: HttpResponse("hello")))
