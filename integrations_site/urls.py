import os

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from integrations_site.api_root import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="integrations:list", permanent=False)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orgs/", include("integrations_site.organizations.urls")),
    path("integrations/", include("integrations_site.integrations.urls")),
    path("storage-drivers/", include("integrations_site.storage.urls")),
    path("tokens/", include("integrations_site.api.urls")),
    path("", include("integrations_site.deployments.urls")),
    path("api/v1/", api.urls),
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
