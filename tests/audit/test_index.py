"""The activity page's queries use the (organization_id, created_at, id) index: EXPLAIN on
PostgreSQL with sequential scans off (a small table; scripts/bench_audit.py shows the same
plan at a million rows)."""

import uuid

import pytest
from django.db import connection

from integrations_site import audit
from integrations_site.audit.models import AuditEvent
from integrations_site.audit.pages import cursor_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN plans are PostgreSQL's")


def test_the_first_and_a_deep_page_use_the_index(postgres, org, other_org):
    for number in range(30):
        audit.record(action="login", organization_id=(org if number % 2 else other_org).pk)
    events = AuditEvent.objects.for_organization(org.pk).filtered()
    middle = events.newest_first()[7]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    first = events.newest_first()[:51].explain()
    deep = events.older_than(middle.created_at, middle.pk).newest_first()[:51].explain()
    for plan in (first, deep):
        assert "audit_org_time" in plan and "Sort" not in plan, plan
    assert cursor_of(middle)
    # An integration's history uses its own index.
    history = events.filtered(target=str(uuid.uuid4())).newest_first()[:51].explain()
    assert "audit_org_target_time" in history, history
