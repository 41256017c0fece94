"""What a real Distribution registry (Debian's docker-registry 2.8) answers, through the fixtures
in tests/fixtures/registry/, with plain requests: no app code, no database.

These pin the behaviour the registry providers' tests rely on; if a docker-registry upgrade
changes it (v3 answers some of these differently), they say so.

Note: this machine sets REQUESTS_CA_BUNDLE; requests then ignores a Session's `verify`, so
every call here passes `verify=` per request.
"""

import base64
import json
import re
from pathlib import Path

import pytest
import requests

from tests.fixtures.registry import (
    BASIC_PASSWORD,
    BASIC_USER,
    DOCKER_MANIFEST,
    MANIFEST_ACCEPT,
    OCI_MANIFEST,
    REPOSITORY,
    TAG,
    TOKEN_ISSUER,
    TOKEN_PASSWORD,
    TOKEN_PULL_ONLY_PASSWORD,
    TOKEN_PULL_ONLY_USER,
    TOKEN_SERVICE,
    TOKEN_USER,
    RegistryServer,
    TokenServer,
    libtrust_key_id,
    parse_www_authenticate,
    sha256_digest,
    start_registry,
    stop_process,
)

TIMEOUT = 10
ACCEPT = {"Accept": MANIFEST_ACCEPT}
MISSING_DIGEST = "sha256:" + "c" * 64


def get(registry: RegistryServer, path: str, method: str = "GET", **kwargs) -> requests.Response:
    kwargs.setdefault("verify", registry.verify)
    kwargs.setdefault("timeout", TIMEOUT)
    return requests.request(method, f"{registry.url}{path}", **kwargs)


def errors(response: requests.Response) -> list[dict]:
    return response.json()["errors"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **ACCEPT}


def jwt_part(token: str, index: int) -> dict:
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@pytest.fixture(params=["basic_registry", "token_registry", "tls_registry"])
def any_registry(request: pytest.FixtureRequest) -> RegistryServer:
    return request.getfixturevalue(request.param)


def pull_auth(registry: RegistryServer, repository: str = REPOSITORY) -> dict:
    """requests kwargs that authenticate a pull of `repository`."""
    if registry.token_server is None:
        return {"auth": (registry.username, registry.password), "headers": ACCEPT}
    token = registry.bearer_token([f"repository:{repository}:pull"])
    return {"headers": bearer(token)}


# -- basic auth ---------------------------------------------------------------------------------


def test_basic_registry_challenges_and_accepts_basic_credentials(basic_registry):
    assert basic_registry.url.startswith("http://127.0.0.1:")
    assert basic_registry.host == basic_registry.url.removeprefix("http://")

    anonymous = get(basic_registry, "/v2/")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Basic realm="test"'
    assert anonymous.headers["Docker-Distribution-Api-Version"] == "registry/2.0"
    assert errors(anonymous) == [
        {"code": "UNAUTHORIZED", "message": "authentication required", "detail": None}
    ]

    ok = get(basic_registry, "/v2/", auth=(BASIC_USER, BASIC_PASSWORD))
    assert ok.status_code == 200
    assert ok.json() == {}
    assert ok.headers["Docker-Distribution-Api-Version"] == "registry/2.0"


@pytest.mark.parametrize(
    ("user", "password"), [(BASIC_USER, "wrong"), ("nobody", BASIC_PASSWORD), (BASIC_USER, "")]
)
def test_basic_registry_bad_credentials_get_the_same_401(basic_registry, user, password):
    response = get(basic_registry, "/v2/", auth=(user, password))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="test"'
    assert [e["code"] for e in errors(response)] == ["UNAUTHORIZED"]


def test_basic_registry_repository_request_without_credentials_names_the_scope(basic_registry):
    response = get(basic_registry, f"/v2/{REPOSITORY}/manifests/{TAG}", headers=ACCEPT)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="test"'
    assert errors(response) == [
        {
            "code": "UNAUTHORIZED",
            "message": "authentication required",
            "detail": [{"Type": "repository", "Class": "", "Name": REPOSITORY, "Action": "pull"}],
        }
    ]


# -- token auth ---------------------------------------------------------------------------------


def test_token_registry_challenge_names_realm_and_service(token_registry):
    realm = token_registry.token_server.realm
    assert realm.startswith("http://127.0.0.1:") and realm.endswith("/token")

    anonymous = get(token_registry, "/v2/")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == (
        f'Bearer realm="{realm}",service="{TOKEN_SERVICE}"'
    )
    assert [e["code"] for e in errors(anonymous)] == ["UNAUTHORIZED"]

    # On a repository resource the challenge also carries the scope to ask for.
    manifest = get(token_registry, f"/v2/{REPOSITORY}/manifests/{TAG}", headers=ACCEPT)
    assert manifest.status_code == 401
    assert manifest.headers["WWW-Authenticate"] == (
        f'Bearer realm="{realm}",service="{TOKEN_SERVICE}",scope="repository:{REPOSITORY}:pull"'
    )


def test_token_registry_bearer_flow(token_registry):
    challenge = get(token_registry, f"/v2/{REPOSITORY}/manifests/{TAG}", method="HEAD")
    scheme, params = parse_www_authenticate(challenge.headers["WWW-Authenticate"])
    assert scheme == "Bearer"
    assert params == {
        "realm": token_registry.token_server.realm,
        "service": TOKEN_SERVICE,
        "scope": f"repository:{REPOSITORY}:pull",
    }

    token_server = token_registry.token_server
    token_server.clear()
    answer = requests.get(
        params["realm"],
        params={"service": params["service"], "scope": params["scope"]},
        auth=(TOKEN_USER, TOKEN_PASSWORD),
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["token"] == body["access_token"]
    assert body["expires_in"] == 300

    assert get(token_registry, "/v2/", headers=bearer(body["token"])).status_code == 200
    head = get(
        token_registry, f"/v2/{REPOSITORY}/manifests/{TAG}", "HEAD", headers=bearer(body["token"])
    )
    assert head.status_code == 200
    assert head.headers["Docker-Content-Digest"] == token_registry.images[(REPOSITORY, TAG)].digest

    [received] = token_server.received()
    assert (received.user, received.status, received.service) == (TOKEN_USER, 200, TOKEN_SERVICE)
    assert received.scopes == (f"repository:{REPOSITORY}:pull",)
    assert received.granted == ({"type": "repository", "name": REPOSITORY, "actions": ["pull"]},)


def test_token_is_an_rs256_jwt_with_the_claims_distribution_checks(token_registry):
    token = token_registry.bearer_token([f"repository:{REPOSITORY}:pull,push"])
    header, claims = jwt_part(token, 0), jwt_part(token, 1)
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    # The key is named by its certificate (x5c), the rootcertbundle's only certificate.
    cert_der = base64.b64decode(header["x5c"][0])
    assert cert_der == base64.b64decode(
        "".join(token_registry.token_server.cert_pem.strip().splitlines()[1:-1])
    )
    assert claims["iss"] == TOKEN_ISSUER
    assert claims["aud"] == TOKEN_SERVICE
    assert claims["sub"] == TOKEN_USER
    assert claims["nbf"] <= claims["iat"] < claims["exp"]
    assert claims["jti"]
    assert claims["access"] == [
        {"type": "repository", "name": REPOSITORY, "actions": ["pull", "push"]}
    ]


@pytest.mark.parametrize("auth", [(TOKEN_USER, "wrong"), ("nobody", TOKEN_PASSWORD), None], ids=str)
def test_token_server_refuses_bad_or_missing_credentials(token_registry, auth):
    response = requests.get(
        token_registry.token_server.realm,
        params={"service": TOKEN_SERVICE, "scope": f"repository:{REPOSITORY}:pull"},
        auth=auth,
        timeout=TIMEOUT,
    )
    assert response.status_code == 401
    assert response.json() == {"details": "incorrect username or password"}
    assert response.headers["WWW-Authenticate"] == 'Basic realm="test token server"'


def test_token_registry_refuses_basic_credentials_and_bad_tokens(token_registry):
    basic = get(token_registry, "/v2/", auth=(TOKEN_USER, TOKEN_PASSWORD))
    assert basic.status_code == 401
    assert basic.headers["WWW-Authenticate"].startswith("Bearer realm=")

    garbage = get(token_registry, "/v2/", headers={"Authorization": "Bearer abc.def.ghi"})
    assert garbage.status_code == 401
    assert garbage.headers["WWW-Authenticate"].endswith(',error="invalid_token"')

    # A well-formed token from a signer the registry does not trust.
    stranger = TokenServer().issue(TOKEN_USER, [])
    untrusted = get(token_registry, "/v2/", headers={"Authorization": f"Bearer {stranger}"})
    assert untrusted.status_code == 401
    assert untrusted.headers["WWW-Authenticate"].endswith(',error="invalid_token"')


def test_token_without_the_scope_is_insufficient(token_registry):
    realm = token_registry.token_server.realm
    token = token_registry.bearer_token([])  # valid, grants nothing
    assert get(token_registry, "/v2/", headers=bearer(token)).status_code == 200
    response = get(token_registry, f"/v2/{REPOSITORY}/manifests/{TAG}", headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == (
        f'Bearer realm="{realm}",service="{TOKEN_SERVICE}",'
        f'scope="repository:{REPOSITORY}:pull",error="insufficient_scope"'
    )
    assert [e["code"] for e in errors(response)] == ["UNAUTHORIZED"]


def test_pull_only_user_may_pull_but_not_push(token_registry):
    token = token_registry.bearer_token(
        [f"repository:{REPOSITORY}:pull,push"], TOKEN_PULL_ONLY_USER, TOKEN_PULL_ONLY_PASSWORD
    )
    assert jwt_part(token, 1)["access"] == [
        {"type": "repository", "name": REPOSITORY, "actions": ["pull"]}
    ]
    head = get(token_registry, f"/v2/{REPOSITORY}/manifests/{TAG}", "HEAD", headers=bearer(token))
    assert head.status_code == 200
    push = get(token_registry, f"/v2/{REPOSITORY}/blobs/uploads/", "POST", headers=bearer(token))
    assert push.status_code == 401
    challenge = push.headers["WWW-Authenticate"]
    assert challenge.endswith(',error="insufficient_scope"')
    # Distribution lists the needed actions in no fixed order.
    scope = re.search(r'scope="repository:([^:]+):([^"]+)"', challenge)
    assert scope and scope.group(1) == REPOSITORY
    assert sorted(scope.group(2).split(",")) == ["pull", "push"]
    # Outside team/* the token grants nothing at all.
    other = token_registry.bearer_token(
        ["repository:other/app:pull"], TOKEN_PULL_ONLY_USER, TOKEN_PULL_ONLY_PASSWORD
    )
    assert jwt_part(other, 1)["access"] == []


def test_catalog_needs_the_registry_catalog_scope(token_registry):
    token = token_registry.bearer_token(["registry:catalog:*"])
    response = get(token_registry, "/v2/_catalog", headers=bearer(token))
    assert response.status_code == 200
    assert REPOSITORY in response.json()["repositories"]


def test_distribution_also_accepts_a_kid_naming_the_libtrust_key_id(tmp_path: Path):
    token_server = TokenServer(key_header="kid").start()
    registry = start_registry(
        tmp_path,
        name="token-kid",
        auth_kind="token",
        username=TOKEN_USER,
        password=TOKEN_PASSWORD,
        token_server=token_server,
    )
    try:
        token = registry.bearer_token([f"repository:{REPOSITORY}:pull"])
        header = jwt_part(token, 0)
        assert "x5c" not in header
        assert header["kid"] == libtrust_key_id(token_server.key.public_key())
        assert len(header["kid"].split(":")) == 12
        assert get(registry, "/v2/", headers=bearer(token)).status_code == 200
    finally:
        stop_process(registry.process)
        token_server.stop()


# -- manifests, every registry ------------------------------------------------------------------


def test_pre_pushed_manifest_answers_head_with_its_digest(any_registry):
    pushed = any_registry.images[(REPOSITORY, TAG)]
    assert pushed.media_type == DOCKER_MANIFEST
    assert pushed.digest == sha256_digest(pushed.manifest)
    response = get(
        any_registry, f"/v2/{REPOSITORY}/manifests/{TAG}", "HEAD", **pull_auth(any_registry)
    )
    assert response.status_code == 200
    assert response.headers["Docker-Content-Digest"] == pushed.digest
    assert response.headers["Content-Type"] == DOCKER_MANIFEST
    assert int(response.headers["Content-Length"]) == len(pushed.manifest)

    by_digest = get(
        any_registry, f"/v2/{REPOSITORY}/manifests/{pushed.digest}", **pull_auth(any_registry)
    )
    assert by_digest.status_code == 200
    assert by_digest.content == pushed.manifest
    assert json.loads(by_digest.content)["layers"][0]["digest"] == pushed.layer_digests[0]


def test_missing_tag_is_manifest_unknown(any_registry):
    path = f"/v2/{REPOSITORY}/manifests/no-such-tag"
    head = get(any_registry, path, "HEAD", **pull_auth(any_registry))
    assert head.status_code == 404
    assert head.content == b""  # HEAD: no body, so no error code to read
    response = get(any_registry, path, **pull_auth(any_registry))
    assert response.status_code == 404
    assert errors(response) == [
        {
            "code": "MANIFEST_UNKNOWN",
            "message": "manifest unknown",
            "detail": {"Tag": "no-such-tag"},
        }
    ]


def test_missing_digest_is_manifest_unknown(any_registry):
    response = get(
        any_registry, f"/v2/{REPOSITORY}/manifests/{MISSING_DIGEST}", **pull_auth(any_registry)
    )
    assert response.status_code == 404
    assert [e["code"] for e in errors(response)] == ["MANIFEST_UNKNOWN"]
    assert errors(response)[0]["detail"] == {"Name": REPOSITORY, "Revision": MISSING_DIGEST}


def test_unknown_repository(any_registry):
    """Distribution 2.8 says MANIFEST_UNKNOWN (not NAME_UNKNOWN) for a manifest of a repository
    it has never seen; only the tags list answers NAME_UNKNOWN. Both are 404."""
    auth = pull_auth(any_registry, "team/no-such-repo")
    manifest = get(any_registry, f"/v2/team/no-such-repo/manifests/{TAG}", **auth)
    assert manifest.status_code == 404
    assert errors(manifest) == [
        {"code": "MANIFEST_UNKNOWN", "message": "manifest unknown", "detail": {"Tag": TAG}}
    ]
    assert (
        get(any_registry, f"/v2/team/no-such-repo/manifests/{TAG}", "HEAD", **auth).status_code
        == 404
    )

    tags = get(any_registry, "/v2/team/no-such-repo/tags/list", **auth)
    assert tags.status_code == 404
    assert errors(tags) == [
        {
            "code": "NAME_UNKNOWN",
            "message": "repository name not known to registry",
            "detail": {"name": "team/no-such-repo"},
        }
    ]


def test_tags_list(any_registry):
    response = get(any_registry, f"/v2/{REPOSITORY}/tags/list", **pull_auth(any_registry))
    assert response.status_code == 200
    assert response.json()["name"] == REPOSITORY
    assert TAG in response.json()["tags"]


def test_without_accept_a_docker_v2_manifest_is_rewritten_to_schema1(basic_registry):
    """Distribution 2.8 converts to a signed schema 1 manifest (another digest) for a client
    that does not accept schema 2: a digest check must send the Accept header."""
    pushed = basic_registry.images[(REPOSITORY, TAG)]
    response = get(
        basic_registry,
        f"/v2/{REPOSITORY}/manifests/{TAG}",
        "HEAD",
        auth=(BASIC_USER, BASIC_PASSWORD),
    )
    assert response.status_code == 200
    assert (
        response.headers["Content-Type"]
        == "application/vnd.docker.distribution.manifest.v1+prettyjws"
    )
    assert response.headers["Docker-Content-Digest"] != pushed.digest


def test_oci_manifest_push_and_accept(basic_registry):
    digest = basic_registry.push_image("team/oci-app", "2.0", oci=True)
    auth = (BASIC_USER, BASIC_PASSWORD)
    head = get(basic_registry, "/v2/team/oci-app/manifests/2.0", "HEAD", auth=auth, headers=ACCEPT)
    assert head.status_code == 200
    assert head.headers["Content-Type"] == OCI_MANIFEST
    assert head.headers["Docker-Content-Digest"] == digest
    # A client accepting docker types only (or nothing) does not get an OCI manifest.
    docker_only = get(
        basic_registry,
        "/v2/team/oci-app/manifests/2.0",
        auth=auth,
        headers={"Accept": DOCKER_MANIFEST},
    )
    assert docker_only.status_code == 404
    assert errors(docker_only) == [
        {
            "code": "MANIFEST_UNKNOWN",
            "message": "OCI manifest found, but accept header does not support OCI manifests",
        }
    ]


def test_push_image_to_token_registry_asks_for_pull_and_push(token_registry):
    token_registry.token_server.clear()
    digest = token_registry.push_image("team/pushed", "3.1")
    [received] = token_registry.token_server.received()
    assert received.scopes == ("repository:team/pushed:pull,push",)
    assert received.user == TOKEN_USER
    head = get(
        token_registry,
        "/v2/team/pushed/manifests/3.1",
        "HEAD",
        **pull_auth(token_registry, "team/pushed"),
    )
    assert head.headers["Docker-Content-Digest"] == digest


# -- TLS ----------------------------------------------------------------------------------------


def test_tls_registry_needs_its_ca(tls_registry, tmp_path):
    assert tls_registry.url.startswith("https://127.0.0.1:")
    assert tls_registry.ca_pem.startswith("-----BEGIN CERTIFICATE-----")
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{tls_registry.url}/v2/", verify=True, timeout=TIMEOUT)

    ca_file = tmp_path / "ca.pem"
    ca_file.write_text(tls_registry.ca_pem)
    anonymous = requests.get(f"{tls_registry.url}/v2/", verify=str(ca_file), timeout=TIMEOUT)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Basic realm="test"'
    ok = requests.get(
        f"{tls_registry.url}/v2/",
        verify=str(ca_file),
        auth=(BASIC_USER, BASIC_PASSWORD),
        timeout=TIMEOUT,
    )
    assert ok.status_code == 200
    # The certificate names localhost too.
    by_name = tls_registry.url.replace("127.0.0.1", "localhost")
    assert requests.get(f"{by_name}/v2/", verify=str(ca_file), timeout=TIMEOUT).status_code == 401


def test_tls_registry_refuses_plain_http(tls_registry):
    plain = tls_registry.url.replace("https://", "http://")
    response = requests.get(f"{plain}/v2/", timeout=TIMEOUT)
    assert response.status_code == 400
    assert "HTTPS" in response.text


def test_registries_start_fast_and_log(basic_registry, token_registry, tls_registry):
    for registry in (basic_registry, token_registry, tls_registry):
        assert registry.process.poll() is None
        assert registry.startup_seconds < 5
        assert "listening on 127.0.0.1:" in registry.log_text()
