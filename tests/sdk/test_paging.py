"""The SDK's list() follows the server's pages lazily, over real HTTP (live_server): the first
page at once, each next page only when iteration reaches it."""

import integrations_sdk as dl
import pytest
import requests

from integrations_site.api.services import api_token_create
from tests.api import bulk

pytestmark = pytest.mark.django_db(transaction=True)


class CountingSession(requests.Session):
    """A real requests session that remembers the URLs it fetched."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def request(self, method, url, *args, **kwargs):
        self.urls.append(url)
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def org_sdk(live_server, org, org_admin):
    client = dl.Client()
    client.base_url = live_server.url
    client.token = api_token_create(user=org_admin, name="sdk")[1]
    client._session = CountingSession()
    return client, dl.Organizations(client).get(organization_id=str(org.pk))


def test_list_reads_the_first_page_and_follows_links_as_iteration_needs(org_sdk, org):
    client, organization = org_sdk
    created = bulk.integrations(org, 7)
    client._session.urls.clear()

    listed = organization.integrations.list(page_size=3)
    assert len(client._session.urls) == 1
    assert [i.name for i in listed.items] == ["bulk-00006", "bulk-00005", "bulk-00004"]
    assert listed.total_count is None  # not asked for, and more than one page
    with pytest.raises(TypeError):
        len(listed)

    iterator = iter(listed)
    assert [next(iterator).name for _ in range(3)] == ["bulk-00006", "bulk-00005", "bulk-00004"]
    assert len(client._session.urls) == 1  # the first page served these
    next(iterator)
    assert len(client._session.urls) == 2  # the fourth item needed the second page

    names = [i.name for i in listed]
    assert names == [i.name for i in reversed(created)]
    assert len(client._session.urls) == 3  # three pages: 3 + 3 + 1
    assert all(url.startswith(client.base_url) for url in client._session.urls)
    assert "cursor=" in client._session.urls[1] and "pageSize=3" in client._session.urls[1]

    assert [i.name for i in listed] == names  # pages already read are kept
    assert len(client._session.urls) == 3 and len(listed) == 7


def test_count_true_gives_the_total_and_len_without_reading_every_page(org_sdk, org):
    client, organization = org_sdk
    bulk.integrations(org, 5)
    client._session.urls.clear()
    listed = organization.integrations.list(page_size=2, count=True)
    assert listed.total_count == 5 and len(listed) == 5
    assert len(client._session.urls) == 1


def test_a_list_that_fits_one_page_knows_its_length(org_sdk, org):
    _, organization = org_sdk
    bulk.integrations(org, 2)
    listed = organization.integrations.list()
    assert listed.total_count == 2 and len(listed) == 2
    assert listed == list(listed) and listed[0].name == "bulk-00001"


def test_services_pipelines_and_drivers_page_too(org_sdk, org, org_admin):
    client, organization = org_sdk
    bulk.services(org, 3)
    bulk.pipelines(org, 3)
    bulk.drivers(org, 3, created_by=org_admin)
    for repository, prefix in (
        (dl.Services(client, str(org.pk)), "service"),
        (dl.Pipelines(client, str(org.pk)), "pipeline"),
        (organization.drivers, "driver"),
    ):
        client._session.urls.clear()
        listed = repository.list(page_size=2)
        assert len(listed.items) == 2
        assert [item.name for item in listed] == [f"{prefix}-0000{i}" for i in (2, 1, 0)]
        assert len(client._session.urls) == 2
