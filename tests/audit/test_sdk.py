"""org.members and org.audit in our SDK, against the live server."""

import integrations_sdk as dl
import pytest

from integrations_site.api.services import api_token_create
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sdk_org(live_server, org, org_admin):
    _, raw = api_token_create(user=org_admin, name="sdk")
    previous = (dl.client._base_url, dl.client._token)
    dl.set_base_url(live_server.url)
    dl.login_token(raw)
    yield dl.organizations.get(organization_id=str(org.pk))
    dl.client._base_url, dl.client._token = previous


def test_members_and_audit_through_the_sdk(sdk_org, org_member):
    carol = make_user("carol")
    assert [m.username for m in sdk_org.members.list()] == ["alice", "bob"]
    added = sdk_org.members.add("carol", role="admin")
    assert (added.user_id, added.role) == (carol.pk, "admin")
    assert sdk_org.members.update(org_member.pk, "admin").role == "admin"
    sdk_org.members.remove(carol.pk)
    sdk_org.members.update(org_member.pk, "member")
    alice = sdk_org.members.list()[0]
    with pytest.raises(dl.exceptions.Conflict, match="at least one admin"):
        sdk_org.members.remove(alice.user_id)

    events = sdk_org.audit.list(page_size=2)
    assert len(events.items) == 2 and events.total_count is None
    assert [(e.action, e.outcome) for e in events] == [
        ("member.remove", "failure"),
        ("member.role_change", "success"),
        ("member.remove", "success"),
        ("member.role_change", "success"),
        ("member.add", "success"),
    ]
    removed = sdk_org.audit.list(action="member.remove", target="carol").all()
    assert [(e.target["name"], e.outcome) for e in removed] == [("carol", "success")]
    assert removed[0].actor == {"kind": "token", "id": removed[0].actor["id"], "name": "alice: sdk"}
