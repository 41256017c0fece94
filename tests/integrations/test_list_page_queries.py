"""The Integrations page costs the same handful of queries at any size (issue 13.4): keyset
pages (no COUNT, no OFFSET), rows from .values() with the creator joined, no per-row query."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations_site.integrations.models import Integration
from tests.ops.test_bench_queries import seed

LIST_URL = "/integrations/"


def queries_of(http, url: str) -> tuple[int, str]:
    http.get(url)  # warm per-process caches, as under load
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def next_link(html: str) -> str:
    return re.search(r'href="(\?[^"]+)" rel="next"', html).group(1).replace("&amp;", "&")


def counts(http) -> dict[str, int]:
    first, html = queries_of(http, LIST_URL)
    deep, _ = queries_of(http, LIST_URL + next_link(html))
    by_name, html = queries_of(http, LIST_URL + "?sort=name")
    filtered, _ = queries_of(http, LIST_URL + "?q=registry-00000")
    return {"first": first, "next": deep, "by name": by_name, "filter": filtered}


def test_the_same_queries_at_10_and_1000_rows(admin_http, org, org_admin):
    seed(org, org_admin, 60)  # more than a page, so a next page exists
    small = counts(admin_http)
    Integration.objects.filter(organization=org).delete()
    seed(org, org_admin, 1000)
    assert counts(admin_http) == small
    assert max(small.values()) <= 6, small


def test_no_count_and_no_offset(admin_http, org, org_admin):
    seed(org, org_admin, 60)
    _, html = queries_of(admin_http, LIST_URL)
    with CaptureQueriesContext(connection) as queries:
        admin_http.get(LIST_URL + next_link(html))
    sql = " ".join(q["sql"].upper() for q in queries)
    assert "COUNT(" not in sql and " OFFSET " not in sql
