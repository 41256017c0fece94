"""Kubernetes manifests for a service: a Deployment running its image and, when an integration
serves the image's registry, a kubernetes.io/dockerconfigjson Secret with fresh pull
credentials (they expire: ECR tokens last 12 hours, or use the credential provider)."""

import base64
import json
import re

from integrations_site.integrations.images import parse_image
from integrations_site.integrations.models import Integration
from integrations_site.integrations.pull import pull_credentials

from .models import Service


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    return slug[:50] or "service"


def _yaml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid YAML scalar


def service_manifests(service: Service) -> str:
    slug = _slug(service.name)
    secret_name = f"{slug}-registry"
    documents = []
    integration = Integration.objects.for_organization(service.organization).serving_registry(
        parse_image(service.runner_image).registry
    )
    if integration is not None:
        pull = pull_credentials(integration)
        auth = base64.b64encode(f"{pull.username}:{pull.password}".encode()).decode()
        config = {
            "auths": {
                pull.registry: {"username": pull.username, "password": pull.password, "auth": auth}
            }
        }
        encoded = base64.b64encode(json.dumps(config).encode()).decode()
        documents.append(
            "\n".join(
                [
                    "apiVersion: v1",
                    "kind: Secret",
                    "metadata:",
                    f"  name: {secret_name}",
                    "  annotations:",
                    f"    integrations/expires-at: {_yaml_string(pull.expires_at.isoformat())}",
                    "type: kubernetes.io/dockerconfigjson",
                    "data:",
                    f"  .dockerconfigjson: {encoded}",
                ]
            )
        )
    deployment = [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        f"  name: {slug}",
        "spec:",
        "  replicas: 1",
        "  selector:",
        "    matchLabels:",
        f"      app: {slug}",
        "  template:",
        "    metadata:",
        "      labels:",
        f"        app: {slug}",
        "    spec:",
        "      containers:",
        f"        - name: {slug}",
        f"          image: {_yaml_string(service.runner_image)}",
    ]
    if integration is not None:
        deployment += ["      imagePullSecrets:", f"        - name: {secret_name}"]
    documents.append("\n".join(deployment))
    return "---\n" + "\n---\n".join(documents) + "\n"
