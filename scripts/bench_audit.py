"""Seed a million audit events on PostgreSQL and show the activity page's plans and times.

    DATABASE_STATEMENT_TIMEOUT_SECONDS=900 DATABASE_URL=postgres://…/integrations_bench \
        .venv/bin/python scripts/bench_audit.py [--rows 1000000]

Rows are inserted in one INSERT … SELECT over generate_series (seconds, not minutes); their
hashes are placeholders, so verify_audit is not meant for this database. Prints EXPLAIN
(ANALYZE, BUFFERS) of the first page, a deep page (keyset) and a filtered page, and the
number of queries the activity view makes on each."""

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integrations_site.settings")
os.environ.setdefault("DEBUG", "1")


# Target ids are UUID-shaped, as integrations' are: "…-000000000042" is one integration.
ID_PREFIX = "00000000-0000-4000-8000-"
HISTORY = ID_PREFIX + "000000000042"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from integrations_site.audit.models import AuditEvent
    from integrations_site.organizations.services import organization_create

    assert connection.vendor == "postgresql", "run it with DATABASE_URL=postgres://…"
    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="bench-admin")
    org = organization_create(name=f"bench-{uuid.uuid4().hex[:8]}", admin=user)
    other = organization_create(name=f"bench-other-{uuid.uuid4().hex[:8]}", admin=user)
    table = AuditEvent._meta.db_table
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Nine in ten events belong to the measured organization, one in ten to another.
        cursor.execute(
            f"""
            INSERT INTO {table} (chain, sequence, organization_id, created_at, actor_kind,
                actor_id, actor_name, action, target_type, target_id, target_name, outcome,
                details, client_address, user_agent, request_id, previous_hash, hash)
            SELECT CASE WHEN n %% 10 = 0 THEN %s::uuid ELSE %s::uuid END, n,
                CASE WHEN n %% 10 = 0 THEN %s::uuid ELSE %s::uuid END,
                now() - (n || ' seconds')::interval, 'user', '1', 'bench-admin',
                (ARRAY['integration.create','integration.check','integration.delete',
                       'integration.pull_credentials'])[1 + n %% 4],
                'integration', %s || lpad((n %% 5000)::text, 12, '0'),
                'registry-' || (n %% 5000), 'success',
                '{{}}'::jsonb, '127.0.0.1', 'bench', '', repeat('0', 64), repeat('0', 64)
            FROM generate_series(1, %s) AS n
            """,  # noqa: S608 (the table name is the model's own)
            [other.pk, org.pk, other.pk, org.pk, ID_PREFIX, args.rows],
        )
        cursor.execute(f"ANALYZE {table}")
    print(f"seeded {args.rows} events in {time.perf_counter() - started:.1f} s")

    events = AuditEvent.objects.for_organization(org.pk)
    deep = events.newest_first()[500_000 if args.rows >= 600_000 else args.rows // 2]
    for label, queryset in {
        "first page": events.newest_first()[:51],
        "deep page (keyset)": events.older_than(deep.created_at, deep.pk).newest_first()[:51],
        "one integration's history": events.filtered(target=HISTORY).newest_first()[:51],
        "one action": events.filtered(action="integration.delete").newest_first()[:51],
    }.items():
        print(f"\n--- {label}\n{queryset.explain(analyze=True, buffers=True)}")

    settings.ALLOWED_HOSTS.append("testserver")
    client = Client()
    client.force_login(user)
    session = client.session
    session["current_organization_id"] = str(org.pk)
    session.save()
    from integrations_site.audit.pages import cursor_of

    for label, params in {
        "activity page 1": {},
        "activity deep page": {"after": cursor_of(deep)},
        "activity filtered": {"action": "integration.delete", "target": "registry-42"},
        "activity one integration": {"target": HISTORY},
    }.items():
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get("/orgs/activity/", params)
            took = (time.perf_counter() - started) * 1000
        print(f"{label}: {response.status_code}, {len(queries)} queries, {took:.0f} ms")


if __name__ == "__main__":
    main()
