"""The one direction of imports (docs/architecture.md), read from the code itself.

Every import in integrations_site (top-level or inside a function, absolute or relative) is
resolved to the room it names; an import may only point to a lower floor. Apps on one floor
(storage, deployments) may not import each other, so no two apps import each other, directly
or through a third."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = "integrations_site"
ROOT = Path(__file__).resolve().parents[2]

# Room -> floor. A room is an app folder or a top-level module of the project package.
FLOORS = {
    "validation": 0,
    # Compiled QuerySets: Django only.
    "compiled": 0,
    # Every app records audit events, so the trail sits below them all and imports nothing.
    "audit": 0,
    "organizations": 1,
    "encryption": 1,
    "api": 2,
    "integrations": 3,
    "storage": 4,
    "deployments": 4,
    "api_root": 5,
    "ops": 5,
    "urls": 6,
    "wsgi": 7,
    "asgi": 7,
}
# Rooms that stand apart: they import nothing of the site (the kubelet plugin runs on machines
# without it; settings and its helpers are loaded before any app). `sdk` is the alias module
# for the SDK, which is its own distribution in sdk/ (checked below).
APART = {
    "sdk",
    "credential_provider",
    "settings",
    "logging",
    "debug",
    "devenv",
    "redis_cache",
    "postgresql",
}
SDK = ROOT / "sdk" / "integrations_sdk"
# What the SDK distribution may import: the standard library and its one dependency.
SDK_ALLOWED = set(sys.stdlib_module_names) | {"requests", "integrations_sdk"}


def room_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != PACKAGE or len(parts) < 2:
        return None
    return parts[1]


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in the file."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
    return found


def violations() -> list[str]:
    found = []
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        source = room_of(module_name(path)) or ""
        for line, target in imports_of(path):
            target_room = room_of(target)
            if target_room is None or target_room == source:
                continue
            where = f"{path.relative_to(ROOT)}:{line} imports {target}"
            if source in APART:
                found.append(f"{where}: {source} must import nothing of the site")
            elif target_room in APART:
                if target_room not in {"settings", "logging", "debug", "devenv"}:
                    found.append(f"{where}: nothing of the site imports {target_room}")
            elif source not in FLOORS or target_room not in FLOORS:
                found.append(f"{where}: {source or target_room} has no floor in FLOORS")
            elif FLOORS[target_room] >= FLOORS[source]:
                found.append(
                    f"{where}: floor {FLOORS[source]} ({source}) may only import lower floors, "
                    f"not floor {FLOORS[target_room]} ({target_room})"
                )
    return found


def test_every_import_points_down():
    assert violations() == []


def test_the_checker_sees_an_upward_import():
    """The rule can fail: an integrations module importing deployments is reported."""
    fake = ROOT / PACKAGE / "integrations" / "_upward_probe.py"
    fake.write_text("from integrations_site.deployments import services  # noqa\n")
    try:
        assert any("_upward_probe.py:1" in v and "floor 3" in v for v in violations())
    finally:
        fake.unlink()


def test_the_audit_trail_imports_nothing_of_the_site():
    """Events are plain values, so the trail outlives what it describes and every app,
    however low, can record: audit imports no module of the site at all."""
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for path in sorted((ROOT / PACKAGE / "audit").rglob("*.py"))
        for line, target in imports_of(path)
        if room_of(target) not in (None, "audit")
    ]
    assert found == []


def test_the_sdk_distribution_imports_only_the_stdlib_and_requests():
    """sdk/ installs on a laptop without the site: no module of it imports Django, the site or
    anything but the standard library and requests (its pyproject's one dependency)."""
    found = []
    for path in sorted(SDK.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"
                for name in names
                if name.split(".")[0] not in SDK_ALLOWED
            ]
    assert list(SDK.glob("*.py")), "the SDK package moved?"
    assert found == []


def test_every_room_has_a_floor():
    rooms = {
        path.name if path.is_dir() else path.stem
        for path in (ROOT / PACKAGE).iterdir()
        if (path.is_dir() and (path / "__init__.py").exists())
        or (path.suffix == ".py" and path.name != "__init__.py")
    }
    assert rooms - set(FLOORS) - APART == set()


# --- each app imports alone -------------------------------------------------------------------

BELOW = {
    "audit": [],
    "organizations": ["audit"],
    "encryption": ["audit"],
    "api": ["audit", "organizations"],
    "integrations": ["audit", "organizations", "encryption", "api"],
    "storage": ["audit", "organizations", "encryption", "api", "integrations"],
    "deployments": ["audit", "organizations", "encryption", "api", "integrations"],
}

ALONE = """
import importlib, os, pkgutil, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "integrations_site.settings"
import django
from django.conf import settings
app, below = sys.argv[1], sys.argv[2].split(",") if sys.argv[2] else []
site_apps = [f"integrations_site.{name}" for name in below + [app]]
settings.INSTALLED_APPS = [
    name for name in settings.INSTALLED_APPS if not name.startswith("integrations_site.")
] + site_apps
django.setup()
package = importlib.import_module(f"integrations_site.{app}")
for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
    importlib.import_module(info.name)
others = sorted(
    name for name in sys.modules
    if name.startswith("integrations_site.")
    and name.split(".")[1]
    not in below + [app, "settings", "logging", "debug", "validation", "compiled", "postgresql"]
)
print("OTHERS", others)
sys.exit(1 if others else 0)
"""


@pytest.mark.parametrize("app", sorted(BELOW))
def test_each_app_imports_with_only_the_apps_below_it(app):
    """Installed with only the apps below it, an app's every module imports, and nothing of
    an app above or beside it is loaded."""
    result = subprocess.run(
        [sys.executable, "-c", ALONE, app, ",".join(BELOW[app])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "OTHERS []" in result.stdout
