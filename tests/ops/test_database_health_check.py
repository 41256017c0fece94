"""The database health check before a request's first query (CONN_HEALTH_CHECKS) on
PostgreSQL (integrations_site/postgresql/base.py): no round trip on an idle connection with
nothing waiting, a connection the server ended is replaced before the request uses it, and
one with a message waiting is asked with Django's own `SELECT 1` and kept."""

import select
import time

import psycopg
import pytest
from django.db import close_old_connections, connection

from integrations_site.api.services import api_token_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the health check of our PostgreSQL backend")


def other_session() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return psycopg.connect(**params, autocommit=True)


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def last_statement(pid: int) -> str:
    with other_session() as session:
        return session.execute(
            "SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]
        ).fetchone()[0]


def wait_readable(timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not select.select([connection.connection.fileno()], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, "nothing arrived on the connection"


def test_an_idle_healthy_connection_is_checked_without_a_statement():
    pid = backend_pid()
    assert last_statement(pid) == "SELECT pg_backend_pid()"
    for _ in range(3):
        assert connection.is_usable()
    assert last_statement(pid) == "SELECT pg_backend_pid()"  # the server heard nothing


def test_a_request_after_the_server_ended_the_connection_gets_a_new_one(client, org, org_admin):
    _, raw = api_token_create(user=org_admin, name="ci")
    url = f"/api/v1/orgs/{org.pk}/integrations"
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get(url, headers=headers).status_code == 200
    pid = backend_pid()
    with other_session() as session:
        session.execute("SELECT pg_terminate_backend(%s)", [pid])
    wait_readable()  # the server's goodbye is on the socket
    assert not connection.is_usable()
    # What a server does as each request starts (the test client leaves it out): the next
    # query runs the health check again.
    close_old_connections()
    assert client.get(url, headers=headers).status_code == 200
    assert backend_pid() != pid


def test_a_connection_with_a_message_waiting_is_asked_and_kept():
    pid = backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("LISTEN integrations_health_check")
    with other_session() as session:
        session.execute("NOTIFY integrations_health_check")
    wait_readable()
    assert connection.is_usable()  # Django's SELECT 1 read the notification and passed
    assert last_statement(pid) == "SELECT 1"
    assert backend_pid() == pid
    with connection.cursor() as cursor:
        cursor.execute("UNLISTEN *")
