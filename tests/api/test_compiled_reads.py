"""Compiled reads (integrations_site/compiled.py): the same rows as the QuerySet they stand for,
with each call's own values, on every connection."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from integrations_site.compiled import CompiledValues
from integrations_site.integrations.models import Integration
from tests.factories import make_integration

pytestmark = pytest.mark.django_db(transaction=True)

ORGANIZATION = Integration._meta.get_field("organization")
CREATED = Integration._meta.get_field("created_at")


def rows_of(organization, before):
    return (
        Integration.objects.filter(organization_id=organization, created_at__lt=before)
        .list_rows()
        .order_by("-created_at", "-id")
    )


@pytest.fixture
def compiled():
    return CompiledValues(rows_of, organization=ORGANIZATION, before=CREATED)


@pytest.fixture
def two_orgs(org, org_admin, other_org, outsider):
    ours = [make_integration(org, name=f"ours-{n}", created_by=org_admin) for n in range(3)]
    theirs = [make_integration(other_org, name="theirs", created_by=outsider)]
    return ours, theirs


def test_rows_are_the_querysets_own_for_each_calls_values(compiled, org, other_org, two_orgs):
    ours = two_orgs[0]
    later = ours[-1].created_at + timedelta(seconds=1)
    for organization, before in [
        (org.pk, later),
        (other_org.pk, later),
        (org.pk, ours[1].created_at),  # only the first
        (org.pk, ours[0].created_at),  # none
        (org.pk, later),  # the first values again: nothing kept from the calls between
    ]:
        expected = list(rows_of(organization, before))
        assert compiled(organization=organization, before=before) == expected
    assert [row["name"] for row in compiled(organization=other_org.pk, before=later)] == ["theirs"]


def test_a_compiled_call_is_one_query_with_the_querysets_sql(compiled, org, two_orgs):
    later = two_orgs[0][-1].created_at + timedelta(seconds=1)
    compiled(organization=org.pk, before=later)  # compiled here
    with CaptureQueriesContext(connection) as own:
        list(rows_of(org.pk, later))
    with CaptureQueriesContext(connection) as ours:
        assert len(compiled(organization=org.pk, before=later)) == 3
    assert [q["sql"] for q in ours] == [q["sql"] for q in own]


def test_a_shape_whose_values_cant_be_found_runs_its_queryset(org, two_orgs):
    # `before` reaches the SQL shifted by a second, so its stand-in is not among the
    # parameters: the SQL can't be reused, and every call must build its QuerySet (reusing it
    # would keep the stand-in's 1971 and find nothing).
    def shifted(organization, before):
        return rows_of(organization, before + timedelta(seconds=1))

    compiled = CompiledValues(shifted, organization=ORGANIZATION, before=CREATED)
    ours = two_orgs[0]
    for before in (ours[-1].created_at, ours[0].created_at - timedelta(seconds=2)):
        assert compiled(organization=org.pk, before=before) == list(shifted(org.pk, before))
    assert [r["name"] for r in compiled(organization=org.pk, before=ours[-1].created_at)] == [
        "ours-2",
        "ours-1",
        "ours-0",
    ]


def test_each_thread_reads_on_its_own_connection(compiled, org, other_org, two_orgs):
    later = two_orgs[0][-1].created_at + timedelta(seconds=1)
    results, errors = {}, []

    def read(name, organization):
        try:
            for _ in range(20):
                results[name] = [
                    r["name"] for r in compiled(organization=organization, before=later)
                ]
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=read, args=("ours", org.pk)),
        threading.Thread(target=read, args=("theirs", other_org.pk)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == {"ours": ["ours-2", "ours-1", "ours-0"], "theirs": ["theirs"]}
