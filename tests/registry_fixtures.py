"""Container-registry test doubles: real CNCF Distribution registries (Debian's `docker-registry`).

Load it once per test session, from tests/conftest.py (its `pytest_plugins` list) or with
`-p tests.registry_fixtures`; a test module may also name it in its own `pytest_plugins`.
Importing the fixture functions into several modules would start one registry per module.

Each session-scoped fixture runs `docker-registry serve CONFIG` in a subprocess on a free
127.0.0.1 port, with filesystem storage in a pytest tmp dir, and stops it at session end:

* `basic_registry`: htpasswd auth (realm "test"), user alice/alice-password. Distribution's
  htpasswd auth has no per-repository ACL: a valid user may do everything.
* `token_registry`: token auth (the Docker "Bearer" flow). A small token server (a thread
  running http.server on another loopback port) checks HTTP Basic credentials and issues
  RS256 JWTs whose signing key's self-signed certificate is the registry's rootcertbundle.
  Users: bob/bob-password (every action on everything) and carol/carol-password (pull on
  team/* only). Missing or wrong credentials: 401 from the token server.
* `tls_registry`: like `basic_registry`, over HTTPS with a server certificate for 127.0.0.1 /
  localhost signed by a throwaway CA; `.ca_pem` / `.ca_path` hold that CA.

Every registry holds team/app:1.0 (a docker v2 manifest, one config blob and one layer blob)
before the first test sees it. `.push_image(repository, tag)` pushes more over the registry
API itself (monolithic blob uploads, manifest PUT), authenticating as the registry asks.

The registry's config is written as JSON (a YAML subset), so no YAML library is needed.
REGISTRY_* variables are removed from its environment (they would override the config).
"""

from __future__ import annotations

import base64
import datetime as dt
import fnmatch
import gzip
import hashlib
import io
import json
import os
import secrets
import shutil
import socket
import subprocess
import tarfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import bcrypt
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

REGISTRY_BINARY = "docker-registry"
STARTUP_TIMEOUT_S = 20.0

REPOSITORY = "team/app"
TAG = "1.0"

BASIC_USER, BASIC_PASSWORD = "alice", "alice-password"
BASIC_REALM = "test"
TOKEN_USER, TOKEN_PASSWORD = "bob", "bob-password"
# Valid token-server credentials that are granted pull on team/* and nothing else.
TOKEN_PULL_ONLY_USER, TOKEN_PULL_ONLY_PASSWORD = "carol", "carol-password"
TOKEN_SERVICE = "test-registry"
TOKEN_ISSUER = "test-issuer"
TOKEN_LIFETIME_S = 300

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
# What a client that understands every current manifest kind sends.
MANIFEST_ACCEPT = ", ".join([DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_MANIFEST, OCI_INDEX])

REQUEST_TIMEOUT_S = 10


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse_www_authenticate(header: str) -> tuple[str, dict[str, str]]:
    """('Bearer', {'realm': ..., 'service': ..., 'scope': ...}) from one challenge. Enough for
    what Distribution sends (one challenge, quoted values without escaped quotes)."""
    scheme, _, rest = header.strip().partition(" ")
    params: dict[str, str] = {}
    while rest:
        key, _, rest = rest.strip().lstrip(",").strip().partition("=")
        if rest.startswith('"'):
            value, _, rest = rest[1:].partition('"')
        else:
            value, _, rest = rest.partition(",")
        params[key.strip().lower()] = value.strip()
        rest = rest.lstrip(", ")
    return scheme, params


# -- certificates -------------------------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _validity(builder: x509.CertificateBuilder) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return builder.not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(
        now + dt.timedelta(days=2)
    )


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _key_pem(key: Any) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass(frozen=True)
class TlsMaterial:
    ca_pem: str
    cert_pem: str
    key_pem: bytes


def make_tls_material(common_name: str = "registry test CA") -> TlsMaterial:
    """A CA and a server certificate it signed for IP 127.0.0.1 and DNS localhost."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        _validity(x509.CertificateBuilder())
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = (
        _validity(x509.CertificateBuilder())
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_cert.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(IPv4Address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(server_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return TlsMaterial(_pem(ca_cert), _pem(server_cert), _key_pem(server_key))


# -- token server -------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def libtrust_key_id(public_key: Any) -> str:
    """docker/libtrust's key ID: SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits,
    base32, in 12 groups of 4 joined by ':'. Distribution (v2) indexes the rootcertbundle's
    keys by it when a JWT header names its key with `kid`."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    encoded = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(encoded[i : i + 4] for i in range(0, len(encoded), 4))


@dataclass(frozen=True)
class TokenUser:
    password: str
    # (repository name pattern (fnmatch), allowed actions); "*" in actions allows any.
    grants: tuple[tuple[str, tuple[str, ...]], ...]

    def allowed(self, resource_type: str, name: str, actions: Sequence[str]) -> list[str]:
        granted: list[str] = []
        for pattern, allowed in self.grants:
            if resource_type != "repository" and pattern != "*":
                continue
            if fnmatch.fnmatchcase(name, pattern):
                granted += [a for a in actions if ("*" in allowed or a in allowed)]
        return sorted(set(granted), key=list(actions).index)


@dataclass(frozen=True)
class TokenRequest:
    """One request the token server received."""

    method: str
    path: str
    user: str | None  # from the Basic header; None when there was none
    status: int
    service: str | None
    scopes: tuple[str, ...]
    account: str | None
    granted: tuple[dict[str, Any], ...] = ()


def parse_scope(scope: str) -> tuple[str, str, list[str]]:
    """ "repository:team/app:pull,push" -> ("repository", "team/app", ["pull", "push"])."""
    resource_type, _, rest = scope.partition(":")
    name, _, actions = rest.rpartition(":")
    resource_type = resource_type.split("(", 1)[0]  # "repository(plugin)" -> "repository"
    return resource_type, name, [a for a in actions.split(",") if a]


class TokenServer:
    """Docker registry token server (https://distribution.github.io/distribution/spec/auth/token/).

    GET /token?service=...&scope=...&account=... with HTTP Basic credentials answers
    {"token", "access_token", "expires_in", "issued_at"}; the JWT grants the requested actions
    the user is allowed. Missing or wrong credentials, or a service other than ours: 401.
    `key_header` says how the JWT header names its key: "x5c" (the certificate), "kid" (the
    libtrust key ID) or "both"."""

    def __init__(
        self,
        *,
        service: str = TOKEN_SERVICE,
        issuer: str = TOKEN_ISSUER,
        users: dict[str, TokenUser] | None = None,
        key_header: str = "x5c",
    ) -> None:
        self.service = service
        self.issuer = issuer
        self.users = users if users is not None else default_token_users()
        self.key_header = key_header
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        # Self-signed: the registry's rootcertbundle is this very certificate.
        self.certificate = (
            _validity(x509.CertificateBuilder())
            .subject_name(_name("test token signer"))
            .issuer_name(_name("test token signer"))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.cert_pem = _pem(self.certificate)
        self.key_id = libtrust_key_id(self.key.public_key())
        self.requests: list[TokenRequest] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.realm = f"{self.url}/token"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="registry-token-server", daemon=True
        )

    def start(self) -> TokenServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def issue(self, subject: str, access: Sequence[dict[str, Any]]) -> str:
        """A signed JWT for `subject` carrying `access` ([{"type", "name", "actions"}])."""
        now = int(time.time())
        header: dict[str, Any] = {"typ": "JWT", "alg": "RS256"}
        cert_der = self.certificate.public_bytes(serialization.Encoding.DER)
        if self.key_header in ("x5c", "both"):
            header["x5c"] = [base64.b64encode(cert_der).decode()]
        if self.key_header in ("kid", "both"):
            header["kid"] = self.key_id
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": self.service,
            "exp": now + TOKEN_LIFETIME_S,
            "nbf": now - 1,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": list(access),
        }
        signing_input = ".".join(
            _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
        )
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64url(signature)}"

    def received(self) -> list[TokenRequest]:
        with self._lock:
            return list(self.requests)

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    def _record(self, entry: TokenRequest) -> None:
        with self._lock:
            self.requests.append(entry)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the requests are in server.requests

            def do_GET(self) -> None:
                split = urlsplit(self.path)
                query = parse_qs(split.query)
                scopes = tuple(s for value in query.get("scope", []) for s in value.split(" ") if s)
                service = query.get("service", [None])[0]
                account = query.get("account", [None])[0]
                user, password = self._basic_credentials()

                def record(status: int, granted: Sequence[dict[str, Any]] = ()) -> None:
                    server._record(
                        TokenRequest(
                            method="GET",
                            path=split.path,
                            user=user,
                            status=status,
                            service=service,
                            scopes=scopes,
                            account=account,
                            granted=tuple(granted),
                        )
                    )

                if split.path != "/token":
                    record(404)
                    return self._json(404, {"details": "not found"})
                known = server.users.get(user or "")
                if known is None or not secrets.compare_digest(known.password, password or ""):
                    record(401)
                    return self._json(
                        401,
                        {"details": "incorrect username or password"},
                        {"WWW-Authenticate": 'Basic realm="test token server"'},
                    )
                if service is not None and service != server.service:
                    record(401)
                    return self._json(401, {"details": f"unknown service {service!r}"})
                access = []
                for scope in scopes:
                    resource_type, name, actions = parse_scope(scope)
                    granted = known.allowed(resource_type, name, actions)
                    if granted:
                        access.append({"type": resource_type, "name": name, "actions": granted})
                token = server.issue(user or "", access)
                record(200, access)
                issued_at = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
                return self._json(
                    200,
                    {
                        "token": token,
                        "access_token": token,
                        "expires_in": TOKEN_LIFETIME_S,
                        "issued_at": issued_at,
                    },
                )

            def _basic_credentials(self) -> tuple[str | None, str | None]:
                header = self.headers.get("Authorization", "")
                scheme, _, value = header.partition(" ")
                if scheme.lower() != "basic":
                    return None, None
                try:
                    decoded = base64.b64decode(value.strip(), validate=True).decode()
                except ValueError:
                    return None, None
                user, _, password = decoded.partition(":")
                return user, password

            def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


def default_token_users() -> dict[str, TokenUser]:
    return {
        TOKEN_USER: TokenUser(TOKEN_PASSWORD, (("*", ("*",)),)),
        TOKEN_PULL_ONLY_USER: TokenUser(TOKEN_PULL_ONLY_PASSWORD, (("team/*", ("pull",)),)),
    }


# -- images -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PushedImage:
    repository: str
    tag: str
    digest: str  # of the manifest bytes, what Docker-Content-Digest answers
    media_type: str
    manifest: bytes
    config_digest: str
    layer_digests: tuple[str, ...]


def build_image(repository: str, tag: str, *, oci: bool = False) -> tuple[bytes, bytes, bytes]:
    """(manifest, config blob, layer blob): a gzipped tar with one file, its image config and
    a manifest naming both. Deterministic for a given repository/tag/oci."""
    content = f"{repository}:{tag}\n".encode()
    tar_buffer = io.BytesIO()
    with tarfile.open(fileobj=tar_buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size, info.mtime, info.mode = len(content), 0, 0o644
        tar.addfile(info, io.BytesIO(content))
    layer_tar = tar_buffer.getvalue()
    layer = gzip.compress(layer_tar, mtime=0)
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Cmd": ["/bin/true"]},
            "rootfs": {"type": "layers", "diff_ids": [sha256_digest(layer_tar)]},
            "history": [{"created_by": f"registry_fixtures {repository}:{tag}"}],
        },
        separators=(",", ":"),
    ).encode()
    media_type = OCI_MANIFEST if oci else DOCKER_MANIFEST
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": media_type,
            "config": {
                "mediaType": OCI_CONFIG if oci else DOCKER_CONFIG,
                "size": len(config),
                "digest": sha256_digest(config),
            },
            "layers": [
                {
                    "mediaType": OCI_LAYER if oci else DOCKER_LAYER,
                    "size": len(layer),
                    "digest": sha256_digest(layer),
                }
            ],
        },
        indent=3,
    ).encode()
    return manifest, config, layer


# -- registry -----------------------------------------------------------------------------------


@dataclass
class RegistryServer:
    """One running registry. `url` is its base URL (no /v2/), `host` what an image reference
    starts with ("127.0.0.1:PORT"). `verify` is what requests needs for it (the CA file for
    the TLS registry, else True)."""

    name: str
    url: str
    host: str
    username: str
    password: str
    auth: str  # "basic" | "token"
    process: subprocess.Popen[bytes]
    log_path: Path
    config_path: Path
    storage_dir: Path
    startup_seconds: float
    token_server: TokenServer | None = None
    ca_pem: str | None = None
    ca_path: Path | None = None
    images: dict[tuple[str, str], PushedImage] = field(default_factory=dict)

    @property
    def verify(self) -> str | bool:
        return str(self.ca_path) if self.ca_path else True

    @property
    def service(self) -> str | None:
        return self.token_server.service if self.token_server else None

    @property
    def realm(self) -> str:
        return self.token_server.realm if self.token_server else BASIC_REALM

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def bearer_token(
        self,
        scopes: Sequence[str],
        username: str | None = None,
        password: str | None = None,
    ) -> str:
        """A token from this registry's token server (token auth only)."""
        assert self.token_server is not None, f"{self.name} does not use token auth"
        response = self._plain_session().get(
            self.token_server.realm,
            params={"service": self.token_server.service, "scope": list(scopes)},
            auth=(username or self.username, password or self.password),
            timeout=REQUEST_TIMEOUT_S,
        )
        response.raise_for_status()
        return response.json()["token"]

    def _plain_session(self) -> requests.Session:
        http = requests.Session()
        http.verify = self.verify
        # With trust_env, REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE (set on some machines) would
        # replace Session.verify (requests only keeps a per-request verify), and proxy
        # variables could route loopback traffic elsewhere.
        http.trust_env = False
        return http

    def session(
        self, repository: str = REPOSITORY, actions: Sequence[str] = ("pull",)
    ) -> requests.Session:
        """A requests.Session authenticated as this registry's user for `repository`."""
        http = self._plain_session()
        if self.token_server is None:
            http.auth = (self.username, self.password)
        else:
            token = self.bearer_token([f"repository:{repository}:{','.join(actions)}"])
            http.headers["Authorization"] = f"Bearer {token}"
        return http

    def _push_session(self, repository: str) -> requests.Session:
        """Authenticates the way a client does: GET /v2/, read the challenge, answer it."""
        http = self._plain_session()
        challenge = http.get(f"{self.url}/v2/", timeout=REQUEST_TIMEOUT_S)
        if challenge.status_code != 401:
            challenge.raise_for_status()
            return http
        scheme, params = parse_www_authenticate(challenge.headers["WWW-Authenticate"])
        if scheme.lower() == "basic":
            http.auth = (self.username, self.password)
            return http
        assert scheme.lower() == "bearer", challenge.headers["WWW-Authenticate"]
        response = self._plain_session().get(
            params["realm"],
            params={"service": params["service"], "scope": f"repository:{repository}:pull,push"},
            auth=(self.username, self.password),
            timeout=REQUEST_TIMEOUT_S,
        )
        response.raise_for_status()
        http.headers["Authorization"] = f"Bearer {response.json()['token']}"
        return http

    def _upload_blob(self, http: requests.Session, repository: str, blob: bytes) -> str:
        digest = sha256_digest(blob)
        start = http.post(f"{self.url}/v2/{repository}/blobs/uploads/", timeout=REQUEST_TIMEOUT_S)
        assert start.status_code == 202, (start.status_code, start.text)
        location = urljoin(f"{self.url}/", start.headers["Location"])
        done = http.put(
            location,
            params={"digest": digest},
            data=blob,
            headers={"Content-Type": "application/octet-stream"},
            timeout=REQUEST_TIMEOUT_S,
        )
        assert done.status_code == 201, (done.status_code, done.text)
        assert done.headers.get("Docker-Content-Digest") == digest, done.headers
        return digest

    def push_image(self, repository: str = REPOSITORY, tag: str = TAG, *, oci: bool = False) -> str:
        """Push a small image (config blob + one layer blob + a docker v2 or OCI manifest) to
        repository:tag over the registry API. Returns the manifest digest. Idempotent."""
        existing = self.images.get((repository, tag))
        media_type = OCI_MANIFEST if oci else DOCKER_MANIFEST
        if existing is not None and existing.media_type == media_type:
            return existing.digest
        manifest, config, layer = build_image(repository, tag, oci=oci)
        http = self._push_session(repository)
        config_digest = self._upload_blob(http, repository, config)
        layer_digest = self._upload_blob(http, repository, layer)
        response = http.put(
            f"{self.url}/v2/{repository}/manifests/{tag}",
            data=manifest,
            headers={"Content-Type": media_type},
            timeout=REQUEST_TIMEOUT_S,
        )
        assert response.status_code == 201, (response.status_code, response.text)
        digest = response.headers["Docker-Content-Digest"]
        assert digest == sha256_digest(manifest), (digest, sha256_digest(manifest))
        self.images[(repository, tag)] = PushedImage(
            repository, tag, digest, media_type, manifest, config_digest, (layer_digest,)
        )
        return digest


def _htpasswd_line(user: str, password: str) -> str:
    # Go's bcrypt accepts $2a$/$2b$/$2y$; cost 4 (the minimum) keeps checks fast.
    return f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()}\n"


def _registry_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}


def _config(
    tmp: Path, port: int, auth: dict[str, Any], tls: tuple[Path, Path] | None
) -> dict[str, Any]:
    http: dict[str, Any] = {
        "addr": f"127.0.0.1:{port}",
        "secret": secrets.token_hex(16),
        "headers": {"X-Content-Type-Options": ["nosniff"]},
    }
    if tls is not None:
        http["tls"] = {"certificate": str(tls[0]), "key": str(tls[1])}
    return {
        "version": "0.1",
        "log": {"level": "info", "formatter": "text", "fields": {"service": "registry"}},
        "storage": {
            "filesystem": {"rootdirectory": str(tmp / "storage")},
            "delete": {"enabled": True},
            "cache": {"blobdescriptor": "inmemory"},
            "maintenance": {"uploadpurging": {"enabled": False}},
        },
        "http": http,
        "auth": auth,
    }


def start_registry(
    tmp: Path,
    *,
    name: str,
    auth_kind: str,
    username: str,
    password: str,
    token_server: TokenServer | None = None,
    tls: TlsMaterial | None = None,
) -> RegistryServer:
    """Start `docker-registry serve` and wait until GET /v2/ answers (401)."""
    binary = shutil.which(REGISTRY_BINARY)
    if binary is None:
        raise RuntimeError(
            "docker-registry is not installed (Debian package `docker-registry`: "
            "apt-get install -y docker-registry)"
        )
    tmp.mkdir(parents=True, exist_ok=True)
    if auth_kind == "basic":
        htpasswd = tmp / "htpasswd"
        htpasswd.write_text(_htpasswd_line(username, password))
        auth: dict[str, Any] = {"htpasswd": {"realm": BASIC_REALM, "path": str(htpasswd)}}
    else:
        assert token_server is not None
        bundle = tmp / "token-signer.pem"
        bundle.write_text(token_server.cert_pem)
        auth = {
            "token": {
                "realm": token_server.realm,
                "service": token_server.service,
                "issuer": token_server.issuer,
                "rootcertbundle": str(bundle),
            }
        }
    tls_files = ca_path = None
    if tls is not None:
        cert_path, key_path, ca_path = tmp / "server.pem", tmp / "server-key.pem", tmp / "ca.pem"
        cert_path.write_text(tls.cert_pem)
        key_path.write_bytes(tls.key_pem)
        key_path.chmod(0o600)
        ca_path.write_text(tls.ca_pem)
        tls_files = (cert_path, key_path)
    scheme = "https" if tls else "http"
    last_log = ""
    for _ in range(3):  # a free port can be taken between probe and bind
        port = _free_port()
        config_path = tmp / f"config-{port}.yml"
        config_path.write_text(json.dumps(_config(tmp, port, auth, tls_files), indent=2))
        log_path = tmp / f"registry-{port}.log"
        url = f"{scheme}://127.0.0.1:{port}"
        started = time.monotonic()
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [binary, "serve", str(config_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=_registry_env(),
                cwd=tmp,
            )
        deadline = started + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline and process.poll() is None:
            try:
                requests.get(f"{url}/v2/", timeout=1, verify=str(ca_path) if ca_path else True)
            except requests.ConnectionError:
                time.sleep(0.05)
                continue
            return RegistryServer(
                name=name,
                url=url,
                host=f"127.0.0.1:{port}",
                username=username,
                password=password,
                auth=auth_kind,
                process=process,
                log_path=log_path,
                config_path=config_path,
                storage_dir=tmp / "storage",
                startup_seconds=time.monotonic() - started,
                token_server=token_server,
                ca_pem=tls.ca_pem if tls else None,
                ca_path=ca_path,
            )
        stop_process(process)
        last_log = log_path.read_text(errors="replace")[-3000:]
    raise RuntimeError(f"docker-registry ({name}) did not answer; last log:\n{last_log}")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def basic_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """Distribution with htpasswd auth (realm "test"), alice/alice-password; holds team/app:1.0."""
    registry = start_registry(
        tmp_path_factory.mktemp("registry-basic"),
        name="basic",
        auth_kind="basic",
        username=BASIC_USER,
        password=BASIC_PASSWORD,
    )
    try:
        registry.push_image(REPOSITORY, TAG)
        yield registry
    finally:
        stop_process(registry.process)


@pytest.fixture(scope="session")
def token_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """Distribution with token auth and its token server; bob/bob-password may do anything,
    carol/carol-password may pull team/*. Holds team/app:1.0. The token server's received
    requests: `token_registry.token_server.received()` (`.clear()` to reset)."""
    token_server = TokenServer().start()
    try:
        registry = start_registry(
            tmp_path_factory.mktemp("registry-token"),
            name="token",
            auth_kind="token",
            username=TOKEN_USER,
            password=TOKEN_PASSWORD,
            token_server=token_server,
        )
        try:
            registry.push_image(REPOSITORY, TAG)
            token_server.clear()
            yield registry
        finally:
            stop_process(registry.process)
    finally:
        token_server.stop()


@pytest.fixture(scope="session")
def tls_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """Like basic_registry, over HTTPS with a throwaway CA (`.ca_pem`, `.ca_path`)."""
    registry = start_registry(
        tmp_path_factory.mktemp("registry-tls"),
        name="tls",
        auth_kind="basic",
        username=BASIC_USER,
        password=BASIC_PASSWORD,
        tls=make_tls_material(),
    )
    try:
        registry.push_image(REPOSITORY, TAG)
        yield registry
    finally:
        stop_process(registry.process)
