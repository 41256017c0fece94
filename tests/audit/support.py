"""Shared by the audit tests: a registry on a closed port (checks fail fast, no network)."""

import json

from integrations_site.api.services import api_token_create
from integrations_site.audit.models import AuditEvent

REGISTRY = "127.0.0.1:9"


def generic_body(name: str = "local-registry", password: str = "p") -> dict:
    return {
        "type": "private-registry",
        "name": name,
        "options": {
            "name": "Docker Registry v2",
            "spec": {"url": f"http://{REGISTRY}", "username": "u", "password": password},
        },
        "metadata": {"provider": "generic"},
    }


def bearer(user, name: str = "tests") -> dict:
    return {"Authorization": f"Bearer {api_token_create(user=user, name=name)[1]}"}


def api(client, method: str, path: str, body=None, **headers):
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(
        f"/api/v1{path}", data=data, content_type="application/json", headers=headers
    )


def events(**filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("chain", "sequence"))


def actions(**filters) -> list[tuple[str, str]]:
    return [(event.action, event.outcome) for event in events(**filters)]
