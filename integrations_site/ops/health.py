"""What /readyz checks. Each check returns None when it passed, else a short reason."""

import secrets
from collections.abc import Callable

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

from integrations_site.encryption import crypto
from integrations_site.encryption.models import KeyCheck
from integrations_site.integrations.providers.aws import site_identity

from . import messages


def _reason(error: Exception, default: str) -> str:
    # The exception's class names the kind of failure; its text may name hosts or users.
    return f"{default} ({type(error).__name__})"


def database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        return _reason(error, messages.UNREACHABLE)
    return None


def cache_roundtrip() -> str | None:
    key = f"readyz:{secrets.token_hex(8)}"
    value = secrets.token_hex(8)
    try:
        cache.set(key, value, timeout=10)
        read = cache.get(key)
        cache.delete(key)
    except Exception as error:
        return _reason(error, messages.UNREACHABLE)
    return None if read == value else messages.CACHE_READ_BACK


def key_ring() -> str | None:
    """The ring parses and its primary key opens the key-check value stored for its id (none
    stored yet is fine: the first write stores it). Reads only; never writes a key check."""
    try:
        ring = crypto.key_ring()
    except crypto.EncryptionKeyError:
        return messages.KEY_RING_INVALID
    try:
        check = KeyCheck.objects.filter(key_id=ring.primary_id).first()
    except DatabaseError as error:
        return _reason(error, messages.DATABASE_UNREADABLE)
    if check is not None and not crypto.key_check_opens(check.key_id, check.sealed):
        return messages.WRONG_KEY
    return None


def migrations() -> str | None:
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        return _reason(error, messages.DATABASE_UNREADABLE)
    return messages.MIGRATIONS_PENDING if plan else None


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": database,
    "cache": cache_roundtrip,
    "key_ring": key_ring,
    "migrations": migrations,
}


def aws_identity() -> dict[str, bool | str]:
    """Whether the standard AWS credential chain finds the site's own identity (which
    assumes customers' roles). Informational: it never makes /readyz fail, since the same
    configuration is missing on every replica and 503s would take down the whole site,
    every other provider included; role integrations' checks name the cause instead. The
    credentials and the principal are never shown."""
    configured = site_identity.configured()
    detail = messages.AWS_IDENTITY_CONFIGURED if configured else messages.AWS_IDENTITY_MISSING
    return {"ok": configured, "detail": detail}


INFO: dict[str, Callable[[], dict[str, bool | str]]] = {"aws_identity": aws_identity}


def information() -> dict[str, dict[str, bool | str]]:
    return {name: report() for name, report in INFO.items()}


def readiness() -> dict[str, str | None]:
    """Every check's reason (None: passed), each run even when an earlier one failed."""
    return {name: check() for name, check in CHECKS.items()}
