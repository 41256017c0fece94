"""Compatibility only: scripts/aws_emulator.py imports the AWS test double from this module.

The test double lives in tests/fixtures/aws/ (import from `tests.fixtures.aws`). Delete this
module once scripts/aws_emulator.py imports from there. Not a pytest plugin: the fixtures are
registered by tests/conftest.py."""

from tests.fixtures.aws import (
    ECR_PULL_ACTIONS,
    OTHER_ACCOUNT_ID,
    REGION,
    REPOSITORY,
    MotoServer,
)
from tests.fixtures.aws import start_moto as _start
from tests.fixtures.aws import stop_process as _stop

__all__ = [
    "ECR_PULL_ACTIONS",
    "OTHER_ACCOUNT_ID",
    "REGION",
    "REPOSITORY",
    "MotoServer",
    "_start",
    "_stop",
]
