"""Many rows at once (bulk_create), for tests that show a cost does not grow with them."""

import uuid
from datetime import timedelta

from django.utils import timezone

from integrations_site.deployments.models import Pipeline, PipelineNode, Service
from integrations_site.integrations.models import Integration, IntegrationType
from integrations_site.storage.models import StorageDriver
from tests.factories import aws_fields


def integrations(
    org, count: int, *, created_by=None, prefix: str = "bulk", after: int = 0, **fields
) -> list:
    """`count` AWS ECR integrations through the real encryption, one second apart (newest
    last), the first `after` seconds past a day ago. `fields` override columns."""
    rows = [
        Integration(
            **{
                "organization": org,
                "name": f"{prefix}-{index:05d}",
                "type": IntegrationType.PRIVATE_REGISTRY,
                "provider": "aws",
                "metadata": {"provider": "aws"},
                "account": f"{index:012d}",
                "region": "us-east-1",
                "key_hint": "AKIA…MPLE",
                "registry": f"{index:012d}.dkr.ecr.us-east-1.amazonaws.com",
                "credentials": aws_fields(account=f"{index:012d}"),
                "created_by": created_by,
                **fields,
            }
        )
        for index in range(count)
    ]
    created = Integration.objects.bulk_create(rows)
    spread(Integration, created, after=after)
    return created


def spread(model, rows: list, *, same_time: bool = False, after: int = 0) -> None:
    """Give `rows` distinct creation times (or one shared time), as rows made over time have;
    bulk_create stamps them all alike. One UPDATE per distinct time, batched by time."""
    start = timezone.now() - timedelta(days=1) + timedelta(seconds=after)
    if same_time:
        model.objects.filter(pk__in=[row.pk for row in rows]).update(created_at=start)
        return
    for index, row in enumerate(rows):
        row.created_at = start + timedelta(seconds=index)
    model.objects.bulk_update(rows, ["created_at"], batch_size=500)


def services(org, count: int, *, prefix: str = "service", after: int = 0) -> list:
    rows = [
        Service(
            organization=org,
            name=f"{prefix}-{index:05d}",
            runner_image=f"registry.example.com/team/app-{index}:1.0",
            registry="registry.example.com",
        )
        for index in range(count)
    ]
    created = Service.objects.bulk_create(rows)
    spread(Service, created, after=after)
    return created


def pipelines(org, count: int, *, nodes: int = 2, prefix: str = "pipeline", after: int = 0) -> list:
    rows = [Pipeline(organization=org, name=f"{prefix}-{index:05d}") for index in range(count)]
    created = Pipeline.objects.bulk_create(rows)
    spread(Pipeline, created, after=after)
    PipelineNode.objects.bulk_create(
        PipelineNode(
            pipeline=pipeline,
            name=f"node-{position}",
            position=position,
            runner_image="registry.example.com/team/node:1.0",
            registry="registry.example.com",
        )
        for pipeline in created
        for position in range(nodes)
    )
    return created


def drivers(org, count: int, *, created_by=None, prefix: str = "driver", after: int = 0) -> list:
    storage = Integration.objects.create(
        organization=org,
        name=f"s3-{uuid.uuid4().hex[:8]}",
        type=IntegrationType.S3,
        provider="aws-s3",
        metadata={"provider": "aws"},
        credentials=aws_fields(),
    )
    rows = [
        StorageDriver(
            organization=org,
            name=f"{prefix}-{index:05d}",
            integration=storage,
            bucket="bucket",
            created_by=created_by,
        )
        for index in range(count)
    ]
    created = StorageDriver.objects.bulk_create(rows)
    spread(StorageDriver, created, after=after)
    return created
