"""The Integrations page's name filter (`?q=`, a case-insensitive substring match) served by a
trigram index on PostgreSQL, instead of reading every row of the organization.

Django's icontains compiles to `UPPER("name"::text) LIKE UPPER('%q%')`; a GIN index on that same
expression with pg_trgm's operator class answers it. PostgreSQL only: SQLite has no trigram
index (the embedded database serves development sizes). Creating the extension needs a role
allowed to; where it is not allowed, the migration says so and goes on without the index."""

import logging

from django.db import migrations, transaction
from django.db.utils import DatabaseError

logger = logging.getLogger(__name__)

INDEX = "integration_name_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic():
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        logger.warning("pg_trgm is not available (%s); ?q= stays a scan.", error)
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON integrations_integration "
        'USING gin (UPPER("name"::text) gin_trgm_ops)'
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("integrations", "0006_registry_lookup_and_keyset_indexes")]

    operations = [migrations.RunPython(create, drop)]
