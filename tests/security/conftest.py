"""Fixtures of the security tests: the canary integration, a superuser, DEBUG logs."""

import logging

import pytest

from tests.factories import CANARY_SECRET, make_integration
from tests.security.support import CANARY_KEY_ID, CANARY_NAME


@pytest.fixture
def debug_logs(caplog):
    """Everything at DEBUG, including the non-propagating `django` logger (django.request)."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    return caplog


@pytest.fixture
def canary(org, org_admin):
    return make_integration(
        org,
        name=CANARY_NAME,
        created_by=org_admin,
        access_key_id=CANARY_KEY_ID,
        secret_access_key=CANARY_SECRET,
    )


@pytest.fixture
def superuser(org_admin):
    org_admin.is_staff = org_admin.is_superuser = True
    org_admin.save()
    return org_admin
