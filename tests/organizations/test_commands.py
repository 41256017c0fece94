"""The organizations app's management commands: createorg and ensure_demo."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integrations_site.organizations.models import Membership, Organization
from tests.factories import make_user


def test_createorg_prints_the_id_last(db):
    make_user("carol")
    stdout = StringIO()
    call_command("createorg", "Initech", "--admin", "carol", stdout=stdout)
    last_line = stdout.getvalue().strip().splitlines()[-1]
    organization = Organization.objects.get(name="Initech")
    assert last_line == str(organization.pk)
    membership = Membership.objects.get(organization=organization)
    assert membership.user.username == "carol" and membership.role == "admin"


def test_createorg_needs_an_existing_user(db):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("createorg", "Initech", "--admin", "nobody", stdout=StringIO())
    assert not Organization.objects.exists()


def test_createorg_refuses_a_duplicate_name(org):
    with pytest.raises(CommandError, match="already exists"):
        call_command("createorg", "ACME", "--admin", "alice", stdout=StringIO())


def test_ensure_demo_creates_once_and_prints_the_login(db, monkeypatch):
    monkeypatch.setenv("DEMO_USERNAME", "demo")
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-123")
    first, second = StringIO(), StringIO()
    call_command("ensure_demo", stdout=first)
    call_command("ensure_demo", stdout=second)
    assert "username 'demo', password 'demo-password-123'" in first.getvalue()
    assert second.getvalue() == first.getvalue()
    assert Organization.objects.count() == 1
    assert Membership.objects.get().role == "admin"
