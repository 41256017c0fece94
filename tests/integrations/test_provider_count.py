"""Every provider of the site is listed everywhere a user looks for it (issue 16.6): the
README's provider table, availableIntegrations and the create dialog's options name the same
providers as the registry of providers, and each provider declares its category.

Providers defined by other tests (tests/integrations/fake_provider.py registers one when
imported) are left out: only the site's own modules count."""

import re
from pathlib import Path

from integrations_site.api.services import api_token_create
from integrations_site.integrations.models import IntegrationType
from integrations_site.integrations.providers import Provider, all_providers, providers_for
from integrations_site.integrations.providers.base import CATEGORIES

README = Path(__file__).resolve().parents[2] / "README.md"


def site_keys(integration_type: str) -> set[str]:
    return {
        p.key
        for p in providers_for(integration_type)
        if type(p).__module__.startswith("integrations_site.")
    }


def foreign_keys() -> set[str]:
    return {
        p.key for p in all_providers() if not type(p).__module__.startswith("integrations_site.")
    }


def readme_provider_rows() -> list[str]:
    """The `metadata.provider` cell of each row of README's "Registry providers" table."""
    section = README.read_text().split("## Registry providers", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    column = header.index("`metadata.provider`")
    keys = []
    for row in rows[2:]:  # past the header and its |---| line
        cell = row.strip("|").split("|")[column]
        keys.append(re.sub(r"[`\s]", "", cell))
    return keys


def test_every_site_provider_declares_a_category():
    for provider in all_providers():
        if not type(provider).__module__.startswith("integrations_site."):
            continue
        declared = [
            k for k in type(provider).__mro__ if k is not Provider and "category" in vars(k)
        ]
        assert declared, f"{provider.key} does not set category"
        assert provider.category in CATEGORIES, provider.key


def test_readme_table_lists_every_registry_provider_once():
    registry = site_keys(IntegrationType.PRIVATE_REGISTRY)
    rows = readme_provider_rows()
    assert len(rows) == len(set(rows)), rows
    assert set(rows) == registry, (
        f"README lacks {sorted(registry - set(rows))}, lists unknown {sorted(set(rows) - registry)}"
    )


def test_available_integrations_and_the_dialog_list_every_provider(
    client, admin_http, org, org_admin
):
    _, raw = api_token_create(user=org_admin, name="t")
    available = client.get(
        f"/api/v1/orgs/{org.pk}/availableIntegrations",
        headers={"Authorization": f"Bearer {raw}"},
    ).json()
    foreign = foreign_keys()
    for integration_type, kind in [
        (IntegrationType.PRIVATE_REGISTRY, "registry"),
        (IntegrationType.S3, "storage"),
    ]:
        expected = site_keys(integration_type)
        entries = next(t for t in available if t["type"] == integration_type)["providers"]
        listed = [p["provider"] for p in entries if p["provider"] not in foreign]
        assert sorted(listed) == sorted(expected), integration_type
        html = admin_http.get(f"/integrations/new/{kind}/").content.decode()
        select = re.search(r'<select name="provider".*?</select>', html, re.S)[0]
        options = [v for v in re.findall(r'<option value="([^"]*)"', select) if v not in foreign]
        assert sorted(options) == sorted(expected), kind
