"""Tamper evidence: the hash chain, verify_audit, prune_audit and export_audit."""

import json
import threading
from datetime import timedelta
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations_site import audit
from integrations_site.audit.models import SITE_CHAIN, AuditChain, AuditEvent
from integrations_site.audit.services import audit_seal
from integrations_site.integrations.management.commands.run_worker import run_schedules_logged

pytestmark = pytest.mark.django_db


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_each_event_holds_the_hash_of_the_one_before(org):
    first = audit.record(action="member.add", organization_id=org.pk)
    second = audit.record(action="member.remove", organization_id=org.pk)
    assert (first.sequence, second.sequence) == (1, 2)
    assert second.previous_hash == first.hash and first.previous_hash == "0" * 64
    assert "no broken link" in verify()


def test_an_edited_row_is_reported_with_its_place(org):
    for number in range(3):
        audit.record(action="integration.delete", organization_id=org.pk, target_name=f"i{number}")
    middle = AuditEvent.objects.get(chain=org.pk, sequence=2)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET target_name = %s WHERE id = %s", ["innocent", middle.pk]
        )
    with pytest.raises(CommandError) as broken:
        verify()
    assert f"organization {org.pk}: event #2 (id {middle.pk}): its contents were changed" in str(
        broken.value
    )


def test_a_deleted_row_is_reported(org):
    for _ in range(3):
        audit.record(action="login", organization_id=org.pk)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE sequence = 3")
    with pytest.raises(CommandError, match="event #3: missing"):
        verify()


def test_pruning_keeps_the_chain_verifiable(org, settings):
    for _ in range(3):
        audit.record(action="login", organization_id=org.pk)
    audit.record(action="login")  # the site-wide chain
    old = timezone.now() - timedelta(days=400)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:  # age the first two (their hashes no longer match...)
        cursor.execute(f"UPDATE {table} SET created_at = %s WHERE sequence <= 2", [old])
    out = StringIO()
    call_command("prune_audit", stdout=out)  # ...but they are pruned: the anchor is kept
    assert "Pruned 3 audit event(s) older than 365 day(s)" in out.getvalue()
    remaining = list(AuditEvent.objects.filter(chain=org.pk).order_by("sequence"))
    assert [e.sequence for e in remaining] == [3, 4] and remaining[-1].action == "audit.prune"
    assert remaining[-1].details["pruned"] == 2
    assert AuditChain.objects.get(chain=org.pk).anchor_sequence == 2
    assert "no broken link" in verify()


def test_export_writes_json_lines_in_chain_order(org):
    audit.record(action="member.add", organization_id=org.pk, target_name="bob")
    audit.record(action="member.remove", organization_id=org.pk, target_name="bob")
    audit.record(action="login")
    out = StringIO()
    call_command("export_audit", "--org", str(org.pk), stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["action"] for line in lines] == ["member.add", "member.remove"]
    assert lines[1]["previousHash"] == lines[0]["hash"]
    out = StringIO()
    call_command("export_audit", "--site", stdout=out)
    assert [json.loads(line)["action"] for line in out.getvalue().splitlines()] == ["login"]
    out = StringIO()
    call_command("export_audit", "--org", str(org.pk), "--after-sequence", "1", stdout=out)
    assert [json.loads(line)["sequence"] for line in out.getvalue().splitlines()] == [2]


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain(org):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers itself; the lock matters on PostgreSQL")
    errors = []

    def write() -> None:
        try:
            for _ in range(10):
                audit.record(action="login", organization_id=org.pk)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sequences = sorted(AuditEvent.objects.filter(chain=org.pk).values_list("sequence", flat=True))
    assert sequences == list(range(1, 41))
    assert audit.record(action="login").chain == SITE_CHAIN
    assert "no broken link" in verify()


# --- reads recorded outside the chain (sealed=False), linked later ----------------------------


def waiting_read(org, name: str = "registry") -> AuditEvent:
    return audit.record(
        action="integration.pull_credentials",
        organization_id=org.pk,
        target_name=name,
        sealed=False,
    )


def test_a_waiting_read_costs_one_insert_and_no_lock(org):
    audit.record(action="login", organization_id=org.pk)  # the chain's head exists
    with CaptureQueriesContext(connection) as queries:
        read = waiting_read(org)
    assert [query["sql"].split()[0].upper() for query in queries] == ["INSERT"]
    assert (read.sequence, read.previous_hash, read.hash) == (None, "", "")
    assert AuditChain.objects.get(chain=org.pk).sequence == 1  # the head did not move


def test_sealing_links_waiting_reads_oldest_first_and_the_chain_verifies(org):
    audit.record(action="member.add", organization_id=org.pk)
    for number in range(3):
        waiting_read(org, f"r{number}")
    audit.record(action="member.remove", organization_id=org.pk)  # a write meanwhile
    assert AuditEvent.objects.waiting().count() == 3
    assert audit_seal() == 3
    assert audit_seal() == 0  # nothing left to do
    chain = list(AuditEvent.objects.filter(chain=org.pk).order_by("sequence"))
    # After the events already in the chain, in the order they were recorded.
    assert [(event.sequence, event.target_name or event.action) for event in chain] == [
        (1, "member.add"),
        (2, "member.remove"),
        (3, "r0"),
        (4, "r1"),
        (5, "r2"),
    ]
    assert all(later.previous_hash == earlier.hash for earlier, later in pairwise(chain))
    assert AuditChain.objects.get(chain=org.pk).sequence == 5
    assert "no broken link" in verify()


def test_verify_links_waiting_reads_first_and_then_sees_an_edit(org):
    audit.record(action="member.add", organization_id=org.pk)
    read = waiting_read(org)
    out = verify()
    assert "Linked 1 waiting audit event(s)" in out and "no broken link" in out
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET actor_name = %s WHERE id = %s", ["nobody", read.pk])
    with pytest.raises(CommandError, match=r"event #2 .*its contents were changed"):
        verify()


def test_export_links_waiting_reads_first(org):
    audit.record(action="member.add", organization_id=org.pk)
    waiting_read(org)
    out = StringIO()
    call_command("export_audit", "--org", str(org.pk), "--after-sequence", "1", stdout=out)
    (line,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert (line["action"], line["sequence"]) == ("integration.pull_credentials", 2)
    assert line["hash"] and line["previousHash"]


@pytest.mark.django_db(transaction=True)
def test_the_worker_tick_links_waiting_reads(org):
    waiting_read(org)
    # In a thread of its own, as the worker's schedule loop runs it (it closes its connections).
    tick = threading.Thread(target=run_schedules_logged, args=("test-worker",))
    tick.start()
    tick.join()
    assert not AuditEvent.objects.waiting().exists()
    assert AuditEvent.objects.get(chain=org.pk).sequence == 1


@pytest.mark.django_db(transaction=True)
def test_reads_writers_and_sealers_at_once_never_fork_the_chain(org):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers itself; the lock matters on PostgreSQL")
    errors = []

    def run(work) -> None:
        try:
            for _ in range(10):
                work()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    work = [
        lambda: waiting_read(org),
        lambda: waiting_read(org),
        lambda: audit.record(action="login", organization_id=org.pk),
        audit_seal,
        audit_seal,
    ]
    threads = [threading.Thread(target=run, args=(one,)) for one in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    audit_seal()
    sequences = sorted(AuditEvent.objects.filter(chain=org.pk).values_list("sequence", flat=True))
    assert sequences == list(range(1, 31))
    assert "no broken link" in verify()
