"""Start-up without the API framework or the providers: a process checks, loads its
middleware and answers a page without importing django-ninja, pydantic or any provider module
(boto3's among them); the first API request loads the framework, the first provider lookup
every provider."""

import subprocess
import sys
from pathlib import Path

from django.test import override_settings
from django.urls import include, path

from integrations_site.ops.checks import url_namespaces_unique
from integrations_site.urls import API_URLCONF, lazy_include

ROOT = Path(__file__).resolve().parents[2]

FRESH_PROCESS = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "integrations_site.settings"
import django
django.setup()
from django.core.checks import run_checks
from django.test import Client
problems = [m for m in run_checks() if m.is_serious()]
PROVIDER = "integrations_site.integrations.providers.aws.access_keys"
heavy = lambda: sorted(m for m in ("ninja", "pydantic", "boto3", PROVIDER) if m in sys.modules)
client = Client(HTTP_HOST="127.0.0.1")
page = client.get("/healthz").status_code
before = heavy()
api = client.get("/api/v1/").status_code
print(problems, page, before, api, heavy())
from integrations_site.integrations.providers import get_provider
print(get_provider("aws").display_name, PROVIDER in sys.modules)
"""


def test_a_fresh_process_answers_a_page_without_the_api_framework(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "ENV_FILE": "",
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "INTEGRATIONS_ENCRYPTION_KEYS": "k1:" + "A" * 43 + "=",
    }
    done = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # No serious check problem, /healthz answered with nothing heavy loaded, then the API;
    # the first lookup of a provider finds it.
    *_, served, looked_up = done.stdout.strip().splitlines()
    assert served == "[] 200 [] 200 ['ninja', 'pydantic']"
    assert looked_up.endswith(" True") and looked_up != " True"


urlpatterns = [
    path("a/", include(([], "dup"), namespace="dup")),
    path("b/", include(([], "dup"), namespace="dup")),
    lazy_include("api/", "tests.ops.never_imported", app_name="x", namespace="lazy"),
]


@override_settings(ROOT_URLCONF=__name__)
def test_the_namespace_check_still_finds_duplicates_and_skips_what_has_not_loaded():
    (warning,) = url_namespaces_unique()
    assert warning.id == "urls.W005" and "'dup'" in warning.msg
    assert "tests.ops.never_imported" not in sys.modules  # the lazy include was not imported


def test_the_api_include_names_the_api_root():
    import importlib

    assert importlib.import_module(API_URLCONF).urlpatterns
