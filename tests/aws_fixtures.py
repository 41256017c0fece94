"""AWS test double: moto's real HTTP server, with IAM enforcement on from the first request.

Load it once per test session, from tests/conftest.py (`pytest_plugins = ["tests.aws_fixtures"]`)
or with `-p tests.aws_fixtures`; a test module may also name it in its own `pytest_plugins`.
Importing the fixture functions into several modules would start one server per module.

The server is `python -m moto.server` in a subprocess, started with
INITIAL_NO_AUTH_ACTION_COUNT=0, so every AWS request is signature-checked and authorized from the
very first one. Setup works like this:

* Each account's admin user (inline policy Allow */*) is created inside a short, explicit
  window: POST /moto-api/reset-auth "inf" switches enforcement off, three IAM calls create the
  admin and its key, POST /moto-api/reset-auth "0" switches it back on (and zeroes moto's counter).
* Everything else (users, policies, keys, repositories, images) is created with that admin's
  keys, under enforcement, so setup goes through the same checks as the code under test.

Why not INITIAL_NO_AUTH_ACTION_COUNT=3 (the number of bootstrap calls)? It works too, but it
counts every AWS request the server sees (a botocore retry or a stray probe shifts it) and gives
one window only, so a second account could not be bootstrapped later.

moto resolves the account of a request from its access key (the IAM backend that holds the
key), else from an `x-moto-account-id` header, else 123456789012. So keys made in another
account really are "keys of account X": STS GetCallerIdentity answers X for them.
MOTO_ACCOUNT_ID, if set in the server's environment, would override all of that, so it is removed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

DEFAULT_ACCOUNT_ID = "123456789012"  # moto's default account
OTHER_ACCOUNT_ID = "111122223333"
REGION = "us-east-1"
REPOSITORY = "models/detector"
IMAGE_TAG = "1.4"

ECR_PULL_ACTIONS = (
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:DescribeRepositories",
    "ecr:DescribeImages",
    "ecr:BatchGetImage",
)

MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_MEDIA_TYPE = "application/vnd.docker.container.image.v1+json"
LAYER_MEDIA_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"

# One attempt, short timeouts: setup failures surface at once and requests are countable.
SETUP_CONFIG = Config(
    connect_timeout=2, read_timeout=10, retries={"total_max_attempts": 1, "mode": "standard"}
)
STARTUP_TIMEOUT_S = 30.0


def policy_document(actions: Sequence[str], resource: str = "*") -> str:
    """An identity policy allowing `actions`. moto authorizes ECR calls against resource "*"
    only, so a statement naming a repository ARN never matches there (always AccessDenied)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": resource}],
        }
    )


def aws_error(exc: ClientError) -> tuple[str, str]:
    """(code, message) of a ClientError, undoing moto's quirk for JSON-protocol services.

    moto answers authentication/authorization failures (InvalidClientTokenId,
    SignatureDoesNotMatch, AccessDenied) with a query-protocol XML body, even for ECR, whose
    protocol is JSON. botocore cannot parse it and reports Code "403" with the raw XML as the
    message. Real ECR answers UnrecognizedClientException / InvalidSignatureException /
    AccessDeniedException instead; code under test should accept both spellings."""
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "")), str(error.get("Message", ""))
    if code.isdigit() and message.lstrip().startswith("<?xml"):
        root = ET.fromstring(message)
        code = root.findtext(".//Code") or code
        message = root.findtext(".//Message") or message
    return code, message


@dataclass(frozen=True)
class AwsKeys:
    user_name: str
    access_key_id: str
    secret_access_key: str
    account_id: str

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:user/{self.user_name}"

    def boto_kwargs(self) -> dict[str, str]:
        return {
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
        }


@dataclass(frozen=True)
class EcrImage:
    account_id: str
    repository: str
    tag: str
    digest: str  # the manifest digest ECR reports as imageDigest
    manifest: str
    config_digest: str
    layer_digests: tuple[str, ...]  # uploaded, so BatchCheckLayerAvailability finds them

    @property
    def registry(self) -> str:
        return f"{self.account_id}.dkr.ecr.{REGION}.amazonaws.com"

    @property
    def uri(self) -> str:
        return f"{self.registry}/{self.repository}:{self.tag}"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    service: str  # from the SigV4 credential scope ("" if unsigned)
    action: str  # "GetCallerIdentity", "GetAuthorizationToken", ...
    access_key_id: str


def _parse_recording_line(line: str) -> RecordedRequest:
    entry = json.loads(line)
    headers = {k.lower(): v for k, v in entry.get("headers", {}).items()}
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    service = access_key_id = ""
    authorization = headers.get("authorization", "")
    if "Credential=" in authorization:
        scope = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        access_key_id, service = scope[0], scope[3] if len(scope) > 3 else ""
    target = headers.get("x-amz-target", "")
    if target:  # JSON protocol (ECR): "AmazonEC2ContainerRegistry_V20150921.DescribeImages"
        action = target.rsplit(".", 1)[-1]
    else:  # query protocol (STS, IAM): form body "Action=GetCallerIdentity&Version=..."
        split = urlsplit(entry.get("url", ""))
        params = parse_qs(body) | parse_qs(split.query)
        action = params.get("Action", [""])[0]
    return RecordedRequest(
        method=entry.get("method", ""),
        path=urlsplit(entry.get("url", "")).path,
        service=service,
        action=action,
        access_key_id=access_key_id,
    )


@dataclass
class RequestRecorder:
    """Reads moto's request recorder: every request the server received while recording,
    including ones it then rejected (bad keys, AccessDenied). /moto-api/ calls are left out."""

    server: MotoServer

    def reset(self) -> None:
        self.server.post_api("/moto-api/recorder/reset-recording")

    def start(self) -> None:
        self.server.post_api("/moto-api/recorder/start-recording")

    def stop(self) -> None:
        self.server.post_api("/moto-api/recorder/stop-recording")

    def received(
        self,
        *,
        service: str | None = None,
        access_key_id: str | None = None,
        action: str | None = None,
    ) -> list[RecordedRequest]:
        response = requests.get(
            f"{self.server.url}/moto-api/recorder/download-recording", timeout=10
        )
        response.raise_for_status()
        found = []
        for line in response.text.splitlines():
            if not line.strip():
                continue
            recorded = _parse_recording_line(line)
            if recorded.path.startswith("/moto-api/"):
                continue
            if service is not None and recorded.service != service:
                continue
            if access_key_id is not None and recorded.access_key_id != access_key_id:
                continue
            if action is not None and recorded.action != action:
                continue
            found.append(recorded)
        return found

    def actions(self, **filters: str) -> list[str]:
        return [f"{r.service}:{r.action}" for r in self.received(**filters)]


@dataclass
class MotoServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    admins: dict[str, AwsKeys] = field(default_factory=dict)
    _session: boto3.session.Session = field(default_factory=boto3.session.Session)
    _repositories: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    _images: dict[tuple[str, str, str], EcrImage] = field(default_factory=dict)

    account_id = DEFAULT_ACCOUNT_ID
    other_account_id = OTHER_ACCOUNT_ID
    region = REGION

    # -- plumbing -------------------------------------------------------------------------
    def post_api(self, path: str, data: bytes | None = None) -> requests.Response:
        response = requests.post(f"{self.url}{path}", data=data, timeout=10)
        response.raise_for_status()
        return response

    def set_auth_enforcement(self, enabled: bool) -> None:
        """Switch moto's IAM enforcement; "0" also zeroes its request counter."""
        self.post_api("/moto-api/reset-auth", b"0" if enabled else b"inf")

    def client(self, service: str, keys: AwsKeys | None = None, **kwargs: Any) -> Any:
        """A boto3 client aimed at this server with explicit keys (default: the default
        account's admin), one attempt, no reliance on the process environment."""
        keys = keys or self.admins[DEFAULT_ACCOUNT_ID]
        kwargs.setdefault("config", SETUP_CONFIG)
        return self._session.client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            **keys.boto_kwargs(),
            **kwargs,
        )

    def admin(self, account_id: str = DEFAULT_ACCOUNT_ID) -> AwsKeys:
        if account_id not in self.admins:
            self.admins[account_id] = self._bootstrap_admin(account_id)
        return self.admins[account_id]

    def _bootstrap_admin(self, account_id: str) -> AwsKeys:
        # The only unauthenticated calls: the account header picks the IAM backend, since no
        # key of that account exists yet. Enforcement is back on before this returns.
        iam = self._session.client(
            "iam",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id="AKIABOOTSTRAPXXXXXXX",
            aws_secret_access_key="bootstrap",
            config=SETUP_CONFIG,
        )

        def add_account_header(request: Any, **_: Any) -> None:
            request.headers["x-moto-account-id"] = account_id

        iam.meta.events.register("before-sign.iam.*", add_account_header)
        user_name = f"admin-{account_id}"
        self.set_auth_enforcement(False)
        try:
            iam.create_user(UserName=user_name)
            iam.put_user_policy(
                UserName=user_name, PolicyName="admin", PolicyDocument=policy_document(["*"])
            )
            key = iam.create_access_key(UserName=user_name)["AccessKey"]
        finally:
            self.set_auth_enforcement(True)
        return AwsKeys(user_name, key["AccessKeyId"], key["SecretAccessKey"], account_id)

    # -- IAM ----------------------------------------------------------------------------------
    def create_user(
        self,
        actions: Sequence[str] | None = None,
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
        name: str | None = None,
        policy: str | None = None,
    ) -> AwsKeys:
        """An IAM user with one access key; `actions` (or a raw `policy` JSON) becomes its
        inline policy. No actions and no policy: a user with no permissions at all."""
        iam = self.client("iam", self.admin(account_id))
        user_name = name or f"user-{uuid.uuid4().hex[:10]}"
        iam.create_user(UserName=user_name)
        if policy is None and actions:
            policy = policy_document(actions)
        if policy is not None:
            iam.put_user_policy(UserName=user_name, PolicyName="inline", PolicyDocument=policy)
        key = iam.create_access_key(UserName=user_name)["AccessKey"]
        return AwsKeys(user_name, key["AccessKeyId"], key["SecretAccessKey"], account_id)

    def deactivate_key(self, keys: AwsKeys) -> None:
        self.client("iam", self.admin(keys.account_id)).update_access_key(
            UserName=keys.user_name, AccessKeyId=keys.access_key_id, Status="Inactive"
        )

    def delete_key(self, keys: AwsKeys) -> None:
        self.client("iam", self.admin(keys.account_id)).delete_access_key(
            UserName=keys.user_name, AccessKeyId=keys.access_key_id
        )

    # -- ECR ----------------------------------------------------------------------------------
    def create_repository(
        self, name: str = REPOSITORY, *, account_id: str = DEFAULT_ACCOUNT_ID
    ) -> dict[str, Any]:
        """Idempotent within the session."""
        cache_key = (account_id, name)
        if cache_key not in self._repositories:
            ecr = self.client("ecr", self.admin(account_id))
            self._repositories[cache_key] = ecr.create_repository(repositoryName=name)["repository"]
        return self._repositories[cache_key]

    def push_image(
        self,
        repository: str = REPOSITORY,
        tag: str = IMAGE_TAG,
        *,
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> EcrImage:
        """Upload a config blob and one layer blob, then PutImage a docker v2 manifest naming
        them. Idempotent within the session."""
        cache_key = (account_id, repository, tag)
        if cache_key in self._images:
            return self._images[cache_key]
        self.create_repository(repository, account_id=account_id)
        ecr = self.client("ecr", self.admin(account_id))
        config_blob = json.dumps(
            {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}}
        ).encode()
        layer_blob = f"layer of {repository}:{tag}".encode()
        config_digest = self._upload_blob(ecr, repository, config_blob)
        layer_digest = self._upload_blob(ecr, repository, layer_blob)
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": MANIFEST_MEDIA_TYPE,
                "config": {
                    "mediaType": CONFIG_MEDIA_TYPE,
                    "size": len(config_blob),
                    "digest": config_digest,
                },
                "layers": [
                    {"mediaType": LAYER_MEDIA_TYPE, "size": len(layer_blob), "digest": layer_digest}
                ],
            }
        )
        image = ecr.put_image(repositoryName=repository, imageManifest=manifest, imageTag=tag)
        result = EcrImage(
            account_id=account_id,
            repository=repository,
            tag=tag,
            digest=image["image"]["imageId"]["imageDigest"],
            manifest=manifest,
            config_digest=config_digest,
            layer_digests=(layer_digest,),
        )
        self._images[cache_key] = result
        return result

    @staticmethod
    def _upload_blob(ecr: Any, repository: str, blob: bytes) -> str:
        upload_id = ecr.initiate_layer_upload(repositoryName=repository)["uploadId"]
        ecr.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=0,
            partLastByte=len(blob) - 1,
            layerPartBlob=blob,
        )
        expected = "sha256:" + hashlib.sha256(blob).hexdigest()
        digest = ecr.complete_layer_upload(
            repositoryName=repository, uploadId=upload_id, layerDigests=[expected]
        )["layerDigest"]
        assert digest == expected, (digest, expected)
        return digest

    # -- recorder -----------------------------------------------------------------------------
    @property
    def recorder(self) -> RequestRecorder:
        return RequestRecorder(self)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(tmp: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "MOTO_")) and k != "INITIAL_NO_AUTH_ACTION_COUNT"
    }
    env.update(
        INITIAL_NO_AUTH_ACTION_COUNT="0",
        MOTO_RECORDER_FILEPATH=str(tmp / "recording.jsonl"),
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONUNBUFFERED="1",
    )
    return env


def _start(tmp: Path, port: int | None = None) -> tuple[str, subprocess.Popen[bytes], Path]:
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp / f"moto-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_server_env(tmp),
            cwd=tmp,
        )
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if requests.get(f"{url}/moto-api/", timeout=1).status_code == 200:
                return url, process, log_path
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    _stop(process)
    raise RuntimeError(
        f"moto server did not answer on {url} (exit code {process.returncode}); "
        f"is moto[server] installed? Log:\n{log_path.read_text(errors='replace')[-3000:]}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """moto's HTTP server for the whole session, IAM enforced, default account bootstrapped."""
    tmp = tmp_path_factory.mktemp("moto")
    last_error: Exception | None = None
    for _ in range(3):  # a free port can be taken between probe and bind
        try:
            url, process, log_path = _start(tmp)
            break
        except RuntimeError as exc:
            last_error = exc
    else:
        raise last_error  # type: ignore[misc]
    server = MotoServer(url=url, process=process, log_path=log_path)
    try:
        server.admin(DEFAULT_ACCOUNT_ID)
        yield server
    finally:
        _stop(process)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A clean AWS environment for one test: no AWS_* variable from the caller, no
    ~/.aws/config or credentials, no instance-metadata lookups, a fixed region, and a fresh
    boto3 default session (it caches credentials)."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name == "BOTO_CONFIG":
            monkeypatch.delenv(name)
    empty = tmp_path / "aws-empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


@pytest.fixture
def aws_endpoint(aws_env: None, moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """Points every botocore client the code under test creates at moto (AWS_ENDPOINT_URL,
    honoured by botocore >= 1.31 for all services). Returns the URL."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    return moto_server.url


@pytest.fixture
def ecr_image(moto_server: MotoServer) -> EcrImage:
    """models/detector:1.4 in the default account (created once per session)."""
    return moto_server.push_image(REPOSITORY, IMAGE_TAG)


@pytest.fixture
def ecr_pull_keys(moto_server: MotoServer) -> AwsKeys:
    """A fresh user allowed the six ECR pull actions on "*"."""
    return moto_server.create_user(ECR_PULL_ACTIONS)


@pytest.fixture
def no_ecr_keys(moto_server: MotoServer) -> AwsKeys:
    """A fresh user with no policy at all."""
    return moto_server.create_user()


@pytest.fixture
def token_only_keys(moto_server: MotoServer) -> AwsKeys:
    """A fresh user allowed ecr:GetAuthorizationToken only."""
    return moto_server.create_user(["ecr:GetAuthorizationToken"])


@pytest.fixture
def other_account_keys(moto_server: MotoServer) -> AwsKeys:
    """Valid pull keys that belong to OTHER_ACCOUNT_ID (111122223333), not 123456789012."""
    return moto_server.create_user(ECR_PULL_ACTIONS, account_id=OTHER_ACCOUNT_ID)


@pytest.fixture
def aws_requests(moto_server: MotoServer) -> Iterator[RequestRecorder]:
    """Records the requests moto receives during the test (setup done after this fixture is
    requested is recorded too: filter by access_key_id)."""
    recorder = moto_server.recorder
    recorder.reset()
    recorder.start()
    try:
        yield recorder
    finally:
        recorder.stop()
        recorder.reset()


def different_secret(secret: str) -> str:
    """The same secret with its last character changed (always different)."""
    return secret[:-1] + ("y" if secret.endswith("x") else "x")


# --- S3 (storage drivers) ---------------------------------------------------------------------

BUCKET = "acme-datasets"

# What a storage driver's keys need. moto authorizes HeadBucket as its own action
# "s3:HeadBucket" (real S3 checks s3:ListBucket), so the S3 user is allowed both.
S3_READ_ACTIONS = ("s3:ListBucket", "s3:GetObject", "s3:HeadBucket")

_buckets: set[tuple[str, str, str]] = set()


def create_bucket(
    server: MotoServer,
    name: str = BUCKET,
    *,
    region: str = REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
) -> str:
    """A bucket made with the account admin's keys, under IAM enforcement. Idempotent within
    the session (the server lives as long as the session)."""
    key = (server.url, account_id, name)
    if key not in _buckets:
        s3 = server.client("s3", server.admin(account_id))
        kwargs: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(**kwargs)
        _buckets.add(key)
    return name


@pytest.fixture
def s3_bucket(moto_server: MotoServer) -> str:
    """The bucket "acme-datasets" in the default account (created once per session)."""
    return create_bucket(moto_server)


@pytest.fixture
def s3_read_keys(moto_server: MotoServer) -> AwsKeys:
    """A fresh user allowed to list and read any bucket."""
    return moto_server.create_user(S3_READ_ACTIONS)


@pytest.fixture
def no_s3_keys(moto_server: MotoServer) -> AwsKeys:
    """A fresh user with no S3 permission (no policy at all)."""
    return moto_server.create_user()
