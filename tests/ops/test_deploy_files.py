"""compose.yaml and the Dockerfile, read as text: what can be checked without a Docker daemon.
No image is built here; test_serve.py runs the image's entrypoint outside a container."""

import json
import re
import shlex
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SECRET_NAMES = re.compile(r"SECRET|PASSWORD|TOKEN|ENCRYPTION_KEYS|CREDENTIAL", re.IGNORECASE)


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) per instruction, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, arguments = line.partition(" ")
            found.append((instruction.upper(), arguments.strip()))
    return found


def test_compose_has_web_worker_postgres_and_redis():
    services = compose()["services"]
    assert set(services) == {"web", "worker", "postgres", "redis"}
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert services["worker"]["command"] == ["python", "manage.py", "run_worker"]


def test_compose_wires_the_site_to_its_database_and_cache():
    services = compose()["services"]
    for name in ("web", "worker"):
        environment = services[name]["environment"]
        assert re.fullmatch(
            r"postgres://integrations:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432/integrations",
            environment["DATABASE_URL"],
        )
        assert environment["CACHE_URL"].startswith("redis://redis:6379/")
        assert services[name]["env_file"] == ["deploy.env"]
    postgres = services["postgres"]["environment"]
    assert postgres["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_compose_holds_no_secret_and_its_env_file_is_never_committed():
    for service in compose()["services"].values():
        for name, value in (service.get("environment") or {}).items():
            if SECRET_NAMES.search(name):
                assert str(value).startswith("${"), f"{name} has a value in compose.yaml"
    gitignore = (ROOT / ".gitignore").read_text().split()
    assert "/deploy.env" in gitignore
    assert "deploy.env" in (ROOT / ".dockerignore").read_text().split()
    tracked = subprocess.run(
        ["git", "ls-files", "deploy.env"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert tracked.stdout == ""


def test_compose_health_checks_and_start_order():
    services = compose()["services"]
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "scripts/healthcheck.py"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    # The worker serves no HTTP: the image's /readyz check would call it unhealthy.
    assert services["worker"]["healthcheck"] == {"disable": True}
    assert services["web"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert services["worker"]["depends_on"] == {"web": {"condition": "service_healthy"}}


def test_dockerfile_slim_base_non_root_health_check_and_entrypoint():
    instructions = dockerfile()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    users = [arguments for instruction, arguments in instructions if instruction == "USER"]
    assert users and users[-1] not in {"root", "0", "0:0"}
    healthchecks = [
        arguments for instruction, arguments in instructions if instruction == "HEALTHCHECK"
    ]
    assert len(healthchecks) == 1 and "scripts/healthcheck.py" in healthchecks[0]
    entrypoints = [
        arguments for instruction, arguments in instructions if instruction == "ENTRYPOINT"
    ]
    assert [json.loads(e) for e in entrypoints] == [["scripts/entrypoint.sh"]]
    assert (ROOT / "scripts" / "entrypoint.sh").stat().st_mode & 0o111


def test_dockerfile_bakes_in_no_secret():
    for instruction, arguments in dockerfile():
        if instruction in {"ENV", "ARG"}:
            for assignment in shlex.split(arguments):
                name = assignment.partition("=")[0]
                assert not SECRET_NAMES.search(name), f"{instruction} {name} in the Dockerfile"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", "deploy.env", ".git", "*.sqlite3"} <= set(ignored)
