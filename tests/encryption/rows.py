"""The integrations table's credentials column read and written with raw SQL, past the model,
and two key rings for the tests to switch between."""

import base64

from django.db import connection

from integrations_site.integrations.models import Integration

KEY_A = "keyA:" + base64.b64encode(b"a" * 32).decode()
KEY_B = "keyB:" + base64.b64encode(b"b" * 32).decode()


def raw_credentials(pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials FROM integrations_integration WHERE id = %s",
            [Integration._meta.pk.get_db_prep_value(pk, connection)],
        )
        return cursor.fetchone()[0]


def write_raw_credentials(pk, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE integrations_integration SET credentials = %s WHERE id = %s",
            [value, Integration._meta.pk.get_db_prep_value(pk, connection)],
        )
