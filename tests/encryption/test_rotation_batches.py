"""rotate_encryption_keys in batches: each batch commits on its own and holds no lock past it,
rows already under the primary key are never loaded, and a run stopped half-way leaves every
row readable for the next run to finish."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from integrations_site.encryption import services
from integrations_site.encryption.rotation import RotationBlocked, rotate_encryption_keys
from integrations_site.integrations.models import Integration
from tests.encryption.rows import KEY_A, KEY_B, raw_credentials, write_raw_credentials
from tests.factories import make_integration

BOTH = f"{KEY_B},{KEY_A}"


@pytest.fixture(autouse=True)
def _prove_keys_afresh():
    services.forget_verified_keys()
    yield
    services.forget_verified_keys()


def under_a(org, settings, count: int) -> list[Integration]:
    settings.INTEGRATIONS_ENCRYPTION_KEYS = KEY_A
    made = [make_integration(org, name=f"r{i}", account=f"1234567890{i:02d}") for i in range(count)]
    return sorted(made, key=lambda row: row.pk)  # the rotation's order


def key_of(row) -> str:
    return raw_credentials(row.pk).split(":")[1]


def opens(row, number: int) -> bool:
    return Integration.objects.get(pk=row.pk).credentials["account"] == f"1234567890{number:02d}"


@pytest.mark.django_db(transaction=True)
def test_each_batch_commits_alone_and_holds_no_lock_between_batches(org, settings):
    rows = under_a(org, settings, 5)
    settings.INTEGRATIONS_ENCRYPTION_KEYS = BOTH
    seen = []

    def between_batches(progress) -> None:
        # Outside any transaction: the batch is committed and its row locks are released.
        assert not connection.in_atomic_block
        done = [row for row in rows if key_of(row) == "keyB"]
        seen.append((progress.batch, progress.reencrypted, len(done)))
        if connection.vendor == "postgresql":
            other = connection.copy()  # another session: its NOWAIT fails on a locked row
            try:
                with other.cursor() as cursor:
                    cursor.execute("BEGIN")
                    cursor.execute(
                        "SELECT id FROM integrations_integration WHERE id = %s FOR UPDATE NOWAIT",
                        [done[-1].pk],
                    )
                    cursor.execute("ROLLBACK")
            finally:
                other.close()

    result = rotate_encryption_keys(batch_size=2, on_batch=between_batches)

    assert seen == [(1, 2, 2), (2, 4, 4), (3, 5, 5)]
    assert result.reencrypted == 5
    assert [key_of(row) for row in rows] == ["keyB"] * 5


@pytest.mark.django_db(transaction=True)
def test_a_value_changed_mid_run_stops_it_with_every_row_readable_and_a_rerun_finishes(
    org, settings
):
    rows = under_a(org, settings, 5)
    settings.INTEGRATIONS_ENCRYPTION_KEYS = BOTH
    last, original = rows[-1], raw_credentials(rows[-1].pk)

    def break_the_last_row(progress) -> None:
        if progress.batch == 1:  # after the read-only pass proved it opens
            # Another row's envelope, still under keyA: it does not open in this row.
            write_raw_credentials(last.pk, raw_credentials(rows[2].pk))

    stdout = StringIO()
    with pytest.raises(RotationBlocked) as blocked:
        rotate_encryption_keys(batch_size=2, on_batch=break_the_last_row)
    assert blocked.value.reencrypted == 4  # two batches committed; the third rolled back
    assert [failure.pk for failure in blocked.value.failures] == [last.pk]
    assert [key_of(row) for row in rows] == ["keyB"] * 4 + ["keyA"]
    assert all(opens(row, int(row.name[1:])) for row in rows[:4])  # mixed keys all open

    write_raw_credentials(last.pk, original)  # put back: under keyA again
    call_command("rotate_encryption_keys", "--batch-size", "2", stdout=stdout)
    assert "Re-encrypted 1 secret(s) under key 'keyB'; 4 already used it." in stdout.getvalue()
    settings.INTEGRATIONS_ENCRYPTION_KEYS = KEY_B  # keyA can go now
    assert all(opens(row, int(row.name[1:])) for row in rows)


@pytest.mark.django_db(transaction=True)
def test_a_partial_run_leaves_old_and_new_rows_that_all_open(org, settings):
    rows = under_a(org, settings, 5)
    settings.INTEGRATIONS_ENCRYPTION_KEYS = BOTH

    class Interrupted(Exception):
        pass

    def stop_after_first_batch(progress) -> None:
        raise Interrupted  # like Ctrl-C between two batches

    with pytest.raises(Interrupted):
        rotate_encryption_keys(batch_size=3, on_batch=stop_after_first_batch)

    assert sorted(key_of(row) for row in rows) == ["keyA", "keyA", "keyB", "keyB", "keyB"]
    assert all(opens(row, int(row.name[1:])) for row in rows)
    assert rotate_encryption_keys(batch_size=3).reencrypted == 2  # the rest
    assert [key_of(row) for row in rows] == ["keyB"] * 5


def test_the_command_reports_each_committed_batch_when_verbose(org, settings):
    under_a(org, settings, 3)
    settings.INTEGRATIONS_ENCRYPTION_KEYS = BOTH
    stdout = StringIO()
    call_command("rotate_encryption_keys", "--batch-size", "2", "-v", "2", stdout=stdout)
    assert stdout.getvalue().splitlines() == [
        "integrations.Integration.credentials: batch 1 committed, 2 re-encrypted so far.",
        "integrations.Integration.credentials: batch 2 committed, 3 re-encrypted so far.",
        "Re-encrypted 3 secret(s) under key 'keyB'; 0 already used it.",
    ]


def test_a_second_run_loads_no_row(org, settings):
    rows = under_a(org, settings, 7)
    settings.INTEGRATIONS_ENCRYPTION_KEYS = BOTH
    assert rotate_encryption_keys(batch_size=2).reencrypted == 7

    with CaptureQueriesContext(connection) as queries:
        result = rotate_encryption_keys(batch_size=2)

    assert (result.reencrypted, result.unchanged) == (0, 7)
    # One keyset read that finds nothing (the primary key's rows are filtered out in SQL,
    # else 7 rows would take 4 pages) and one count; no write, no transaction.
    assert len(queries) == 2, [q["sql"] for q in queries]
    assert "LIKE" in queries[0]["sql"].upper()
    assert "COUNT(" in queries[1]["sql"].upper()
    assert all(key_of(row) == "keyB" for row in rows)


def test_the_first_pass_reads_in_keyset_pages_and_writes_nothing_on_failure(org, settings):
    rows = under_a(org, settings, 5)
    settings.INTEGRATIONS_ENCRYPTION_KEYS = BOTH
    write_raw_credentials(rows[4].pk, raw_credentials(rows[0].pk))  # the last row won't open
    before = {row.pk: raw_credentials(row.pk) for row in rows}

    with CaptureQueriesContext(connection) as queries, pytest.raises(RotationBlocked):
        rotate_encryption_keys(batch_size=2)

    table = '"INTEGRATIONS_INTEGRATION"'
    on_rows = [q["sql"].upper() for q in queries if table in q["sql"].upper()]
    assert len(on_rows) == 4  # pages of 2, 2, 1 and the empty one that ends it
    assert all(s.startswith("SELECT") for s in on_rows)
    assert {row.pk: raw_credentials(row.pk) for row in rows} == before


def test_batch_size_must_be_positive(db):
    with pytest.raises(ValueError):
        rotate_encryption_keys(batch_size=0)
    with transaction.atomic(), pytest.raises(CommandError):
        call_command("rotate_encryption_keys", "--batch-size", "0", stdout=StringIO())
