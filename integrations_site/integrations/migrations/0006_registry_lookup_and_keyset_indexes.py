"""Registry lookup in SQL, and keyset pages of the API list.

Integrations made before `registry` was stored (AWS ECR rows) get their host computed the way the
AWS provider does, `{account}.dkr.ecr.{region}.amazonaws.com[.cn]`; every stored host is
normalised (lower-case, no scheme, port kept). Then the two indexes: (organization, type,
registry) for serving_registry(), (organization, -created_at, -id) for the API list, which
replaces the (organization, -created_at) index it starts with."""

from django.db import migrations, models

BATCH = 2000


def _normalise(host: str) -> str:
    # A copy of models.normalise_registry as of this migration (migrations don't import models).
    host = host.strip().lower()
    for scheme in ("https://", "http://"):
        host = host.removeprefix(scheme)
    return host.split("/", 1)[0]


def _ecr_host(account: str, region: str) -> str:
    suffix = ".amazonaws.com.cn" if region.startswith("cn-") else ".amazonaws.com"
    return f"{account}.dkr.ecr.{region}{suffix}"


def backfill_registry(apps, schema_editor):
    Integration = apps.get_model("integrations", "Integration")
    rows = (
        Integration.objects.filter(type="private-registry")
        .only("id", "provider", "account", "region", "registry")
        .order_by("pk")
    )
    last = None
    while True:
        batch = list((rows.filter(pk__gt=last) if last is not None else rows)[:BATCH])
        if not batch:
            return
        last = batch[-1].pk
        changed = []
        for row in batch:
            if not row.registry and row.provider == "aws" and row.account and row.region:
                host = _ecr_host(row.account, row.region)
            else:
                host = _normalise(row.registry)
            if host != row.registry:
                row.registry = host
                changed.append(row)
        Integration.objects.bulk_update(changed, ["registry"])


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0005_worker_schedule"),
    ]

    operations = [
        migrations.RunPython(backfill_registry, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(
            model_name="integration",
            name="integration_organiz_f0df97_idx",
        ),
        migrations.AddIndex(
            model_name="integration",
            index=models.Index(
                fields=["organization", "-created_at", "-id"], name="integration_org_newest"
            ),
        ),
        migrations.AddIndex(
            model_name="integration",
            index=models.Index(
                fields=["organization", "type", "registry"], name="integration_org_registry"
            ),
        ),
    ]
