"""Django's PostgreSQL backend, reading times with psycopg's compiled loader.

Django reads every timestamptz through a Python subclass of psycopg's loader, to pin the
result to its time zone. When that zone is UTC (USE_TZ, the connection's TimeZone set to UTC
by Django), psycopg's own loader gives the same aware UTC datetimes, and psycopg swaps in its
compiled version of it: a list page reads three times a row, and parsing them in Python was a
sixth of its cost."""

from django.conf import settings
from django.db.backends.postgresql import base
from psycopg.types.datetime import TimestamptzLoader


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        cursor = super().create_cursor(name)
        if settings.USE_TZ and self.timezone_name == "UTC":
            cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        return cursor
