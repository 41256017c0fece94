"""Bounded time: requests that call out to registries end by OUTBOUND_REQUEST_DEADLINE_SECONDS,
pipelines have at most PIPELINE_MAX_NODES nodes, and the database never makes a request wait
without bound.

"Silent" AWS is a real TCP server on loopback that accepts every connection and never reads
or answers: the way a hung endpoint behaves, which a closed port (refused at once) does not."""

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import connection

from integrations_site.api.services import api_token_create
from integrations_site.deployments import services
from integrations_site.deployments.forms import PipelineForm
from integrations_site.deployments.messages import NOT_CHECKED_YET
from integrations_site.deployments.models import Pipeline, Rollout, Service
from tests.factories import make_integration
from tests.fixtures.aws import REGION, REPOSITORY

HOST = f"123456789012.dkr.ecr.{REGION}.amazonaws.com"
# Thread start-up, the database writes and the test client on a busy 2-core machine.
MARGIN_SECONDS = 1.5


class SilentServer:
    """Accepts TCP connections on loopback and never reads or writes on them."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0), backlog=64)
        self._socket.settimeout(0.1)
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._socket.close()
        # Closing resets the connections: calls left waiting after a deadline end at once.
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def silent_aws(aws_env, monkeypatch) -> Iterator[SilentServer]:
    server = SilentServer()
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    cache.clear()  # no pull credentials from an earlier test
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def bearer(org_admin) -> dict:
    _, raw = api_token_create(user=org_admin, name="bounded-time")
    return {"Authorization": f"Bearer {raw}"}


def _pipeline(org, count: int, tag_prefix: str = "v") -> Pipeline:
    nodes = [(f"node-{i}", f"{HOST}/{REPOSITORY}:{tag_prefix}{i}") for i in range(count)]
    return services.pipeline_create(organization=org, name="train", nodes=nodes, user=None)


# --- a pipeline install and a reload of many services end by the deadline ----------------------


def test_install_on_a_silent_registry_ends_at_the_deadline(
    client, org, bearer, silent_aws, settings
):
    settings.OUTBOUND_REQUEST_DEADLINE_SECONDS = 2
    make_integration(org, name="ecr")
    pipeline = _pipeline(org, 6)

    started = time.monotonic()
    response = client.post(
        f"/api/v1/orgs/{org.pk}/pipelines/{pipeline.pk}/install",
        content_type="application/json",
        headers=bearer,
    )
    elapsed = time.monotonic() - started

    assert response.status_code == 200, response.content
    assert elapsed < 2 + MARGIN_SECONDS, elapsed
    nodes = response.json()["nodes"]
    assert [(n["status"], n["statusReason"]) for n in nodes] == [("pending", NOT_CHECKED_YET)] * 6
    assert (
        list(
            Rollout.objects.filter(node__pipeline=pipeline).values_list(
                "action", "status", "reason"
            )
        )
        == [("install", "pending", NOT_CHECKED_YET)] * 6
    )
    assert Pipeline.objects.get().last_installed_at is not None
    # The registry was asked once (its pull credentials), not once per node.
    assert len(silent_aws.accepted) == 1


def test_reload_of_many_services_on_a_silent_registry_ends_by_the_default_deadline(
    client, org, bearer, silent_aws, settings
):
    """The reported case: PATCH with reloadServices took 28 s for 2 services. The check of the
    new credentials and the restarts share the one request deadline (15 s by default)."""
    assert settings.OUTBOUND_REQUEST_DEADLINE_SECONDS == 15
    integration = make_integration(org, name="ecr")
    for name in ("detector", "tracker", "counter"):
        Service.objects.create(
            organization=org, name=name, runner_image=f"{HOST}/{REPOSITORY}:{name}", registry=HOST
        )
    options = {
        "name": "AWS",
        "spec": {
            "accessKeyId": "AKIAIOSFODNN7EXAMPLF",
            "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ",
            "account": "123456789012",
            "region": REGION,
        },
    }

    started = time.monotonic()
    response = client.patch(
        f"/api/v1/orgs/{org.pk}/integrations",
        {
            "integrationId": str(integration.pk),
            "credentials": {"options": options},
            "reloadServices": True,
        },
        content_type="application/json",
        headers=bearer,
    )
    elapsed = time.monotonic() - started

    assert response.status_code == 200, response.content
    assert elapsed < 15 + MARGIN_SECONDS, elapsed
    assert set(Service.objects.values_list("status", "status_reason")) == {
        ("pending", NOT_CHECKED_YET)
    }
    assert Rollout.objects.filter(action="restart", status="pending").count() == 3


def test_each_registry_and_each_distinct_image_is_asked_once(
    org, aws_endpoint, ecr_pull_keys, ecr_image, aws_requests
):
    cache.clear()
    make_integration(
        org,
        name="ecr",
        access_key_id=ecr_pull_keys.access_key_id,
        secret_access_key=ecr_pull_keys.secret_access_key,
    )
    missing = f"{HOST}/{REPOSITORY}:missing"
    pipeline = services.pipeline_create(
        organization=org,
        name="train",
        nodes=[("a", ecr_image.uri), ("b", ecr_image.uri), ("c", missing), ("d", missing)],
        user=None,
    )

    nodes = services.pipeline_install(pipeline=pipeline, user=None)

    assert [node.status for node in nodes] == ["running"] * 2 + ["image_pull_back_off"] * 2
    key = ecr_pull_keys.access_key_id
    assert len(aws_requests.received(access_key_id=key, action="GetAuthorizationToken")) == 1
    assert len(aws_requests.received(access_key_id=key, action="DescribeImages")) == 2


# --- at most PIPELINE_MAX_NODES nodes ---------------------------------------------------------


def test_the_form_refuses_more_nodes_than_the_limit(org, settings):
    settings.PIPELINE_MAX_NODES = 3
    lines = "\n".join(f"n{i} python:3.{i}" for i in range(4))
    form = PipelineForm({"name": "p", "nodes": lines}, organization=org)
    assert not form.is_valid()
    assert form.errors["nodes"] == ["A pipeline has at most 3 nodes (this one has 4)."]
    form = PipelineForm({"name": "p", "nodes": lines.rsplit("\n", 1)[0]}, organization=org)
    assert form.is_valid(), form.errors


def test_the_reported_ten_thousand_nodes_are_refused_on_the_page(admin_http):
    lines = "\n".join(f"n{i} python:3" for i in range(10_000))
    response = admin_http.post("/pipelines/", {"name": "huge", "nodes": lines})
    assert response.status_code == 422
    assert "A pipeline has at most 50 nodes (this one has 10000)." in response.content.decode()
    assert not Pipeline.objects.exists()


def test_the_api_refuses_more_nodes_than_the_limit(client, org, bearer, settings):
    settings.PIPELINE_MAX_NODES = 3
    url = f"/api/v1/orgs/{org.pk}/pipelines"
    nodes = [{"name": f"n{i}", "runnerImage": "python:3"} for i in range(4)]
    response = client.post(
        url, {"name": "p", "nodes": nodes}, content_type="application/json", headers=bearer
    )
    assert response.status_code == 400
    message = "A pipeline has at most 3 nodes (this one has 4)."
    assert response.json()["error"]["fields"] == {"nodes": [message]}
    assert not Pipeline.objects.exists()
    response = client.post(
        url, {"name": "p", "nodes": nodes[:3]}, content_type="application/json", headers=bearer
    )
    assert response.status_code == 201, response.content


# --- the database: bounded waits --------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own options")
@pytest.mark.django_db
def test_postgresql_connections_have_connect_and_statement_timeouts():
    assert connection.get_connection_params()["connect_timeout"] == 5
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "30s"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own options")
@pytest.mark.django_db
def test_sqlite_connections_wait_for_the_write_lock_instead_of_failing():
    assert connection.transaction_mode == "IMMEDIATE"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20_000
