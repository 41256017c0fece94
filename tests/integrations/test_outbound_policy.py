"""The outbound policy (integrations/providers/outbound.py): which addresses the server may
connect to, applied to every connection the registry client opens (registry URL, each
redirect, token realm), and the generic registry form's URL rules.

Real servers on loopback (stdlib http.server in a thread); nothing patched. Where a refused
target can listen (0.0.0.0, 127.0.0.2), a recorder proves no connection reached it."""

import base64
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from integrations_site.api.services import api_token_create
from integrations_site.integrations import messages
from integrations_site.integrations.models import Integration
from integrations_site.integrations.providers import get_provider
from integrations_site.integrations.providers._outbound_http import VettedHTTPConnection
from integrations_site.integrations.providers.outbound import (
    AddressNotAllowed,
    address_allowed,
    refused_address,
    resolve,
)
from integrations_site.integrations.providers.registry_v2.client import (
    MAX_REDIRECTS,
    RegistryClient,
    RegistryProblem,
)
from integrations_site.integrations.providers.registry_v2.generic import GenericForm

GENERIC = get_provider("generic")
USER, PASSWORD, TOKEN = "alice", "alice-password", "token-123"
ONLY_127_0_0_1 = ["127.0.0.1/32"]  # our test registries, but not 127.0.0.2

# --- the policy function -------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",
        "::ffff:169.254.169.254",
        "::ffff:a9fe:a9fe",
        "::a9fe:a9fe",  # IPv4-compatible
        "64:ff9b::a9fe:a9fe",  # NAT64
        "2002:a9fe:a9fe::1",  # 6to4
        "fe80::1",
        "fe80::1%lo",
        "fd00:ec2::254",  # AWS metadata over IPv6, inside the allowed fc00::/7
        "0.0.0.0",
        "0.1.2.3",
        "::ffff:0.0.0.0",
        "::",
        "224.0.0.1",
        "ff02::1",
        "255.255.255.255",
        "100.100.100.200",  # shared address space (Alibaba's metadata): not public
        "192.0.0.192",
        "not an address",
    ],
)
def test_refused_by_default(address):
    assert address_allowed(address) is False


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.0.0.2",
        "::1",
        "::ffff:127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "fd12:3456::1",
        "8.8.8.8",
        "::ffff:8.8.8.8",
        "2606:4700:4700::1111",
    ],
)
def test_allowed_by_default(address):
    assert address_allowed(address) is True


def test_without_allowed_networks_only_public_addresses_pass(settings):
    settings.INTEGRATIONS_ALLOWED_NETWORKS = []
    for address in ("127.0.0.1", "::1", "::ffff:127.0.0.1", "::127.0.0.1", "10.0.0.1", "fd00::1"):
        assert address_allowed(address) is False, address
    assert address_allowed("8.8.8.8") and address_allowed("2606:4700:4700::1111")


def test_the_setting_cannot_allow_link_local_or_unspecified(settings):
    settings.INTEGRATIONS_ALLOWED_NETWORKS = ["0.0.0.0/0", "::/0", "169.254.0.0/16"]
    for address in ("169.254.169.254", "::ffff:169.254.169.254", "0.0.0.0", "::", "fe80::1"):
        assert address_allowed(address) is False, address
    assert address_allowed("100.64.0.1")  # an allowed non-public network


def test_a_bad_setting_is_a_configuration_error(settings):
    settings.INTEGRATIONS_ALLOWED_NETWORKS = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured, match="INTEGRATIONS_ALLOWED_NETWORKS"):
        address_allowed("10.0.0.1")


@pytest.mark.parametrize("form", ["2130706433", "0x7f.1", "0177.0.0.1", "127.1", "0x7f000001"])
def test_numeric_ipv4_forms_are_checked_as_the_dotted_address(settings, form):
    """getaddrinfo turns them into 127.0.0.1, and the policy sees that."""
    assert [info[4][0] for info in resolve(form, 80)] == ["127.0.0.1"]
    assert refused_address(resolve(form, 80)) is None
    settings.INTEGRATIONS_ALLOWED_NETWORKS = []
    assert refused_address(resolve(form, 80)) == "127.0.0.1"


def test_the_setting_is_read_from_the_environment():
    code = "from django.conf import settings; print(settings.INTEGRATIONS_ALLOWED_NETWORKS)"
    env = {
        **os.environ,
        "ENV_FILE": "",
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "integrations_site.settings",
        "INTEGRATIONS_ALLOWED_NETWORKS": "10.0.0.0/8,fd00::/8",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "['10.0.0.0/8', 'fd00::/8']"


# --- servers on loopback ---------------------------------------------------------------------


@dataclass
class Server:
    url: str
    port: int
    requests: list[dict] = field(default_factory=list)


Answer = tuple[int, dict[str, str], bytes]


def serve(host: str, answer: Callable[[BaseHTTPRequestHandler, Server], Answer]):
    """An HTTP server on host:random port answering with `answer`; records every request."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append(
                {"path": self.path, "headers": dict(self.headers), "peer": self.client_address}
            )
            status, headers, body = answer(self, server)
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer((host, 0), Handler)
    port = httpd.server_address[1]
    server = Server(url=f"http://{host}:{port}", port=port)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, server


@pytest.fixture
def servers() -> Iterator[Callable]:
    started = []

    def start(answer, host="127.0.0.1") -> Server:
        httpd, server = serve(host, answer)
        started.append(httpd)
        return server

    yield start
    for httpd in started:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def recorder(servers) -> Server:
    """A would-be target on 127.0.0.2 that answers like a registry and records who came."""
    return servers(lambda handler, server: (200, {}, b"{}"), host="127.0.0.2")


def redirecting_to(location: str):
    def answer(handler, server) -> Answer:
        return 302, {"Location": location.replace("{port}", str(server.port))}, b""

    return answer


def basic_then(location: str):
    """Basic auth; with the right credentials, a redirect to `location`."""
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    def answer(handler, server) -> Answer:
        if handler.headers.get("Authorization") != expected:
            return 401, {"WWW-Authenticate": 'Basic realm="test"'}, b""
        return 302, {"Location": location}, b""

    return answer


def bearer_then(location: str, realm: str = ""):
    """Token auth with the token service at `realm` (default: /token on this server); with the
    token, a redirect to `location`."""

    def answer(handler, server) -> Answer:
        if handler.path.startswith("/token"):
            return 200, {"Content-Type": "application/json"}, json.dumps({"token": TOKEN}).encode()
        if handler.headers.get("Authorization") != f"Bearer {TOKEN}":
            challenge = f'Bearer realm="{realm or server.url + "/token"}",service="test"'
            return 401, {"WWW-Authenticate": challenge}, b""
        return 302, {"Location": location}, b""

    return answer


def ping(url: str) -> RegistryProblem | None:
    login = GENERIC.login({"url": url, "username": USER, "password": PASSWORD})
    with RegistryClient(login) as client:
        try:
            client.ping()
        except RegistryProblem as problem:
            return problem
    return None


# --- redirects and realms --------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_redirect_to_the_unspecified_address_is_not_followed(servers, scheme):
    listener = socket.create_server(("0.0.0.0", 0))  # 0.0.0.0:PORT would reach it
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    try:
        registry = servers(redirecting_to(f"{scheme}://0.0.0.0:{port}/v2/"))
        problem = ping(registry.url)
        assert problem is not None and problem.kind == "blocked"
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody came
    finally:
        listener.close()


@pytest.mark.parametrize(
    "location",
    [
        "https://169.254.169.254/latest/meta-data/",
        "https://[::ffff:169.254.169.254]/latest/meta-data/",
        "https://[::ffff:a9fe:a9fe]:8080/",
        "https://[::ffff:0.0.0.0]/v2/",
    ],
)
def test_a_redirect_to_instance_metadata_is_refused_by_the_policy(servers, location):
    registry = servers(redirecting_to(location))
    problem = ping(registry.url)
    assert problem is not None
    assert (problem.kind, problem.message) == ("blocked", messages.ADDRESS_NOT_ALLOWED)
    assert len(registry.requests) == 1


@pytest.mark.parametrize(
    "location", ["http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/"]
)
def test_a_redirect_to_plain_http_off_loopback_is_refused(servers, location):
    registry = servers(redirecting_to(location))
    problem = ping(registry.url)
    assert problem is not None and problem.kind == "blocked"
    assert problem.message == messages.redirect_not_allowed(registry.url.split("//")[1])


@pytest.mark.parametrize("auth", [redirecting_to, basic_then, bearer_then])
def test_a_redirect_to_a_disallowed_network_never_connects(settings, servers, recorder, auth):
    """With and without credentials: 127.0.0.2 is outside the allowed networks, and the
    recorder listening there sees nothing."""
    settings.INTEGRATIONS_ALLOWED_NETWORKS = ONLY_127_0_0_1
    registry = servers(auth(f"{recorder.url}/v2/"))
    problem = ping(registry.url)
    assert problem is not None
    assert (problem.kind, problem.message) == ("blocked", messages.ADDRESS_NOT_ALLOWED)
    assert recorder.requests == []


@pytest.mark.parametrize("auth", [basic_then, bearer_then])
def test_an_allowed_redirect_is_followed_without_the_credentials(servers, recorder, auth):
    """The control of the test above: with loopback allowed the same redirect reaches the
    recorder, and the registry's credentials stayed behind with their origin."""
    registry = servers(auth(f"{recorder.url}/v2/"))
    assert ping(registry.url) is None
    assert [request["path"] for request in recorder.requests] == ["/v2/"]
    assert "Authorization" not in recorder.requests[0]["headers"]


def test_a_token_realm_on_a_disallowed_network_is_never_asked(settings, servers, recorder):
    settings.INTEGRATIONS_ALLOWED_NETWORKS = ONLY_127_0_0_1
    registry = servers(bearer_then("/v2/", realm=f"{recorder.url}/token"))
    problem = ping(registry.url)
    assert problem is not None
    assert (problem.kind, problem.message) == ("blocked", messages.ADDRESS_NOT_ALLOWED)
    assert recorder.requests == []


@pytest.mark.parametrize(
    "realm", ["https://169.254.169.254/latest/api/token", "https://[::ffff:a9fe:a9fe]/token"]
)
def test_a_token_realm_at_instance_metadata_is_refused(servers, realm):
    registry = servers(bearer_then("/v2/", realm=realm))
    problem = ping(registry.url)
    assert problem is not None
    assert (problem.kind, problem.message) == ("blocked", messages.ADDRESS_NOT_ALLOWED)


def test_redirects_are_bounded(servers):
    registry = servers(redirecting_to("/v2/"))
    problem = ping(registry.url)
    assert problem is not None
    assert (problem.kind, problem.message) == ("unreachable", messages.TOO_MANY_REDIRECTS)
    assert len(registry.requests) == MAX_REDIRECTS + 1


def test_a_proxy_in_the_environment_is_not_used(servers, monkeypatch):
    """A proxy would resolve and connect past the policy: the client ignores the environment."""
    proxy = servers(lambda handler, server: (200, {}, b"{}"))
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "")
    registry = servers(lambda handler, server: (200, {}, b"{}"))
    assert ping(registry.url) is None
    assert proxy.requests == [] and len(registry.requests) == 1


# --- the connection goes to the address that was checked -------------------------------------


@pytest.fixture
def lookups_and_connects() -> Iterator[list[tuple[str, object]]]:
    """The interpreter's audit events for name lookups and socket connects, while the test
    runs (an audit hook observes; it changes nothing)."""
    events: list[tuple[str, object]] = []
    active = [True]

    def hook(event: str, args: tuple) -> None:
        if active[0] and event in ("socket.getaddrinfo", "socket.connect"):
            events.append((event, args[0] if event == "socket.getaddrinfo" else args[1]))

    sys.addaudithook(hook)
    yield events
    active[0] = False


def test_one_lookup_and_the_checked_address_is_connected(servers, lookups_and_connects):
    registry = servers(lambda handler, server: (200, {}, b"{}"))
    assert ping(f"http://localhost:{registry.port}") is None
    lookups = [args for event, args in lookups_and_connects if event == "socket.getaddrinfo"]
    connects = [args for event, args in lookups_and_connects if event == "socket.connect"]
    assert lookups == ["localhost"]  # one lookup, by our connection; none by the socket
    assert connects == [("127.0.0.1", registry.port)]  # an address, not the name again
    assert registry.requests[0]["headers"]["Host"] == f"localhost:{registry.port}"


def test_the_connection_class_checks_the_resolved_name(settings, servers):
    registry = servers(lambda handler, server: (200, {}, b"{}"))
    connection = VettedHTTPConnection("localhost", registry.port, timeout=2)
    connection.connect()
    assert connection.sock.getpeername()[:2] == ("127.0.0.1", registry.port)
    connection.close()
    settings.INTEGRATIONS_ALLOWED_NETWORKS = []
    with pytest.raises(AddressNotAllowed):
        VettedHTTPConnection("localhost", registry.port, timeout=2).connect()
    assert len(registry.requests) == 0


def test_tls_still_verifies_the_host_name(tls_registry):
    """Connected to the checked IP, the certificate is still matched against the name."""
    url = tls_registry.url.replace("127.0.0.1", "localhost")
    result = GENERIC.check(
        {
            "url": url,
            "username": tls_registry.username,
            "password": tls_registry.password,
            "ca_certificate": tls_registry.ca_pem,
        }
    )
    assert result.ok, result


# --- the generic registry form ---------------------------------------------------------------


def url_errors(url: str) -> list[str]:
    form = GenericForm(data={"url": url, "username": "u", "password": "p", "verify_tls": "on"})
    form.is_valid()
    return list(form.errors.get("url", []))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://user:pw@127.0.0.1:5000", messages.REGISTRY_URL_PARTS),
        ("https://user@127.0.0.1", messages.REGISTRY_URL_PARTS),
        ("https://127.0.0.1:5000?x=1", messages.REGISTRY_URL_PARTS),
        ("https://127.0.0.1:5000#frag", messages.REGISTRY_URL_PARTS),
        ("https://127.0.0.1:5000/v2", messages.REGISTRY_URL_PARTS),
        ("https://127.0.0.1:99999", messages.REGISTRY_URL_PORT),
        ("https://127.0.0.1:0", messages.REGISTRY_URL_PORT),
        ("https://registry.invalid", messages.could_not_resolve("registry.invalid")),
        ("https://[::ffff:a9fe:a9fe]", messages.ADDRESS_NOT_ALLOWED),
        ("https://[::ffff:169.254.169.254]", messages.ADDRESS_NOT_ALLOWED),
        ("https://[::ffff:0.0.0.0]:5000", messages.ADDRESS_NOT_ALLOWED),
        ("https://0.0.0.0:5000", messages.ADDRESS_NOT_ALLOWED),
        ("https://[fd00:ec2::254]", messages.ADDRESS_NOT_ALLOWED),
        ("http://[::ffff:169.254.169.254]", messages.REGISTRY_URL_HTTP),
    ],
)
def test_the_form_refuses(url, message):
    assert url_errors(url) == [message]


def test_a_refused_address_gives_the_same_words_whatever_the_port():
    errors = [url_errors(f"https://169.254.169.254:{port}") for port in (1, 22, 80, 443, 65535)]
    assert errors == [[messages.ADDRESS_NOT_ALLOWED]] * 5


def test_the_form_applies_the_setting(settings):
    assert url_errors("https://0x7f.1:5000") == []
    assert url_errors("http://localhost:5000") == []
    settings.INTEGRATIONS_ALLOWED_NETWORKS = []
    assert url_errors("https://0x7f.1:5000") == [messages.ADDRESS_NOT_ALLOWED]
    assert url_errors("http://localhost:5000") == [messages.ADDRESS_NOT_ALLOWED]


def test_a_url_with_a_password_is_never_stored(client, org, org_admin):
    _, raw = api_token_create(user=org_admin, name="t")
    response = client.post(
        f"/api/v1/orgs/{org.pk}/integrations",
        {
            "type": "private-registry",
            "name": "leaky",
            "options": {
                "name": "generic",
                "spec": {
                    "url": "http://u:Canary-Pw-42@127.0.0.1:9",
                    "username": "u",
                    "password": "p",
                },
            },
            "metadata": {"provider": "generic"},
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 400, response.content
    assert messages.REGISTRY_URL_PARTS in response.content.decode()
    assert "Canary-Pw-42" not in response.content.decode()
    assert not Integration.objects.exists()
