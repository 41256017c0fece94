"""Every API list answers keyset pages (integrations_site/api/paging.py): a JSON array, newest
first by (created_at, id), the next page in a Link header, a total on request; one page costs
the same number of queries at 10 rows as at 1,000."""

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ninja.responses import NinjaJSONEncoder

from integrations_site.api.paging import cursor_encode, json_time
from integrations_site.api.services import api_token_create
from integrations_site.integrations.models import Integration
from tests.api import bulk
from tests.factories import make_integration

pytestmark = pytest.mark.django_db

LINK = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


@pytest.fixture
def bearer(org, org_admin):
    return {"Authorization": f"Bearer {api_token_create(user=org_admin, name='pages')[1]}"}


@pytest.fixture
def get(client, bearer):
    def get(url: str, **params):
        return client.get(url, params, headers=bearer)

    return get


def next_url(response) -> str | None:
    link = response.headers.get("Link")
    if link is None:
        return None
    match = LINK.match(link)
    assert match, link
    return match.group("url")


def walk(get, url: str, **params) -> tuple[list[dict], int]:
    """Every row, following Link headers; and how many requests that took."""
    response = get(url, **params)
    assert response.status_code == 200, response.content
    rows, requests = list(response.json()), 1
    while (link := next_url(response)) is not None:
        response = get(link)
        assert response.status_code == 200, response.content
        rows += response.json()
        requests += 1
    return rows, requests


def test_without_parameters_the_first_page_has_the_default_size(get, org, settings):
    settings.API_PAGE_SIZE = 3
    created = bulk.integrations(org, 7)
    response = get(f"/api/v1/orgs/{org.pk}/integrations")
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list)
    # newest first
    assert [row["id"] for row in body] == [str(i.pk) for i in reversed(created)][:3]
    assert "X-Total-Count" not in response.headers  # not asked for, and not free here
    url = next_url(response)
    assert url.startswith("http://testserver/api/v1/orgs/")


def test_pages_have_no_duplicates_or_gaps_when_rows_share_a_creation_time(get, org):
    created = bulk.integrations(org, 25)
    bulk.spread(Integration, created, same_time=True)
    rows, requests = walk(get, f"/api/v1/orgs/{org.pk}/integrations", pageSize=4)
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)) == 25
    assert set(ids) == {str(i.pk) for i in created}
    assert requests == 7  # 6 full pages and one of 1
    # ties are ordered by id, newest-first direction: ids descend
    assert ids == sorted(ids, reverse=True)


def test_rows_added_while_paging_do_not_shift_later_pages(get, org):
    created = bulk.integrations(org, 6)
    first = get(f"/api/v1/orgs/{org.pk}/integrations", pageSize=3)
    bulk.integrations(org, 5, prefix="late", after=3600)  # newer: they belong before the first page
    second = get(next_url(first))
    listed = [row["id"] for row in first.json() + second.json()]
    assert listed == [str(i.pk) for i in reversed(created)]


def test_link_keeps_the_other_parameters_and_only_replaces_the_cursor(get, org):
    bulk.integrations(org, 5)
    response = get(f"/api/v1/orgs/{org.pk}/integrations", pageSize=2, count="true")
    first_link = urlsplit(next_url(response))
    query = parse_qs(first_link.query)
    assert first_link.scheme == "http" and first_link.netloc == "testserver"
    assert first_link.path == f"/api/v1/orgs/{org.pk}/integrations"
    assert query["pageSize"] == ["2"] and query["count"] == ["true"] and len(query["cursor"]) == 1
    second = get(next_url(response))
    assert parse_qs(urlsplit(next_url(second)).query)["cursor"] != query["cursor"]


def test_total_count_when_asked_or_free(get, org):
    bulk.integrations(org, 5)
    url = f"/api/v1/orgs/{org.pk}/integrations"
    assert get(url, pageSize=2, count="true").headers["X-Total-Count"] == "5"
    assert "X-Total-Count" not in get(url, pageSize=2).headers
    # a first page that holds the whole list counts it for free; the last page sends no Link
    whole = get(url, pageSize=5)
    assert whole.headers["X-Total-Count"] == "5" and "Link" not in whole.headers


@pytest.mark.parametrize("size", ["0", "-1", "1001", "abc"])
def test_page_size_out_of_bounds_is_a_field_error(get, org, size):
    response = get(f"/api/v1/orgs/{org.pk}/integrations", pageSize=size)
    assert response.status_code == 400
    assert any("pageSize" in field for field in response.json()["error"]["fields"])


def test_page_size_bounds_follow_the_settings(get, org, settings):
    settings.API_MAX_PAGE_SIZE = 3
    bulk.integrations(org, 4)
    url = f"/api/v1/orgs/{org.pk}/integrations"
    assert len(get(url, pageSize=3).json()) == 3
    assert get(url, pageSize=4).status_code == 400
    assert len(get(url, pageSize=1).json()) == 1


def test_a_changed_or_made_up_cursor_is_a_400_field_error(get, org):
    bulk.integrations(org, 3)
    url = f"/api/v1/orgs/{org.pk}/integrations"
    cursor = parse_qs(urlsplit(next_url(get(url, pageSize=1))).query)["cursor"][0]
    tampered = cursor[:-1] + ("A" if cursor[-1] != "A" else "B")
    value, _, signature = cursor.rpartition(":")
    for bad in (tampered, "not-a-cursor", value + ":" + signature[::-1], "", ":"):
        response = get(url, cursor=bad)
        if bad == "":
            assert response.status_code == 200  # an empty cursor is no cursor
            continue
        assert response.status_code == 400, bad
        error = response.json()["error"]
        assert error["code"] == "invalid_cursor" and "cursor" in error["fields"]
    assert get(url, cursor=cursor).status_code == 200


def test_a_validly_signed_cursor_of_another_shape_is_a_400(get, org):
    from django.core import signing

    from integrations_site.api.paging import CURSOR_SALT

    url = f"/api/v1/orgs/{org.pk}/integrations"
    for payload in (["yesterday", "x"], ["2024-01-01T00:00:00+00:00", "not-a-uuid"], [1]):
        cursor = signing.Signer(salt=CURSOR_SALT).sign_object(payload)
        assert get(url, cursor=cursor).status_code == 400, payload


def test_the_cursor_names_only_a_position(get, org, other_org):
    """A cursor from another list, or another organization's, moves nothing across orgs."""
    theirs = bulk.integrations(other_org, 2, prefix="theirs")
    ours = bulk.integrations(org, 2)
    cursor = cursor_encode(theirs[-1].created_at, theirs[-1].pk)
    listed = get(f"/api/v1/orgs/{org.pk}/integrations", cursor=cursor).json()
    assert {row["id"] for row in listed} <= {str(i.pk) for i in ours}


def test_list_rows_carry_the_same_fields_as_get(get, org, org_admin, integration):
    listed = get(f"/api/v1/orgs/{org.pk}/integrations").json()
    single = get(f"/api/v1/orgs/{org.pk}/integrations/{integration.pk}").json()
    assert listed == [single]
    assert listed[0]["creator"] == org_admin.username
    assert listed[0]["registry"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com"


LISTS = {
    "integrations": bulk.integrations,
    "services": bulk.services,
    "pipelines": bulk.pipelines,
    "drivers": bulk.drivers,
}


def _queries(get, url: str) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as queries:
        response = get(url, pageSize=50)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


@pytest.mark.parametrize("name", LISTS)
def test_one_page_costs_the_same_queries_at_10_and_1000_rows(get, org, org_admin, name):
    url = f"/api/v1/orgs/{org.pk}/{name}"
    get(url)  # the token's row is cached from here on, as for any busy client
    LISTS[name](org, 10)
    small, rows = _queries(get, url)
    assert len(rows) == 10
    LISTS[name](org, 990, prefix="more", after=3600)
    large, rows = _queries(get, url)
    assert len(rows) == 50
    # The page (and a pipeline page's nodes): the membership came with the cached token.
    assert small == large == (2 if name == "pipelines" else 1)


def test_pipeline_pages_carry_their_nodes_in_order(get, org):
    bulk.pipelines(org, 3, nodes=3)
    listed = get(f"/api/v1/orgs/{org.pk}/pipelines", pageSize=2).json()
    assert [p["name"] for p in listed] == ["pipeline-00002", "pipeline-00001"]
    assert [n["name"] for n in listed[0]["nodes"]] == ["node-0", "node-1", "node-2"]
    assert listed[0]["nodes"][0]["runnerImage"] == "registry.example.com/team/node:1.0"


def test_driver_rows_name_their_integration_and_creator(get, org, org_admin):
    bulk.drivers(org, 1, created_by=org_admin)
    (row,) = get(f"/api/v1/orgs/{org.pk}/drivers").json()
    assert row["integrationName"].startswith("s3-") and row["creator"] == org_admin.username


def test_another_organizations_list_is_still_404(get, other_org):
    bulk.integrations(other_org, 2)
    response = get(f"/api/v1/orgs/{other_org.pk}/integrations")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_the_openapi_document_describes_arrays_headers_and_parameters(client):
    document = client.get("/api/v1/openapi.json").json()
    for name in LISTS:
        operation = document["paths"][f"/api/v1/orgs/{{org_id}}/{name}"]["get"]
        ok = operation["responses"]["200"]
        assert ok["content"]["application/json"]["schema"]["type"] == "array"
        assert {"Link", "X-Total-Count"} <= set(ok["headers"])
        parameters = {p["name"] for p in operation["parameters"]}
        assert {"pageSize", "cursor", "count"} <= parameters


def test_a_listed_row_is_what_get_answers_for_it(get, org, org_admin):
    """Rows are made plain JSON in the view (json_time, str ids): the same values, to the
    character, as the single GET that the framework's encoder writes."""
    integration = make_integration(org, name="listed", created_by=org_admin)
    Integration.objects.filter(pk=integration.pk).update(checked_at=datetime.now(UTC))
    (listed,) = get(f"/api/v1/orgs/{org.pk}/integrations").json()
    single = get(f"/api/v1/orgs/{org.pk}/integrations/{integration.pk}").json()
    assert listed == single
    assert listed["checkedAt"] and listed["checkedAt"].endswith("Z")


@pytest.mark.parametrize(
    "value",
    [
        None,
        datetime(2026, 12, 2, 10, 4, 5, tzinfo=UTC),
        datetime(2026, 12, 2, 10, 4, 5, 123456, tzinfo=UTC),
        datetime(2026, 12, 2, 10, 4, 5, 7, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_json_time_writes_what_the_encoder_writes(value):
    assert json.loads(json.dumps(value, cls=NinjaJSONEncoder)) == json_time(value)


def test_get_answers_what_the_list_answers_for_the_row_and_what_the_model_says(get, org, org_admin):
    from integrations_site.integrations import services
    from integrations_site.integrations.api_schemas import IntegrationOut, integration_out
    from integrations_site.integrations.providers import get_provider

    make_integration(org, name="ecr", created_by=org_admin)
    services.integration_create(
        organization=org, created_by=None, name="v2", provider=get_provider("generic"),
        credentials={"url": "https://Registry.Example.com:5000/", "username": "u",
                     "password": "p", "verify_tls": True, "ca_certificate": ""},
    )  # fmt: skip
    listed = get(f"/api/v1/orgs/{org.pk}/integrations").json()
    assert len(listed) == 2
    for row in listed:
        got = get(f"/api/v1/orgs/{org.pk}/integrations/{row['id']}")
        assert got.status_code == 200 and got.json() == row
        model = Integration.objects.get(pk=row["id"])
        schema = IntegrationOut.model_validate(integration_out(model))
        assert row == json.loads(json.dumps(schema.model_dump(by_alias=True), cls=NinjaJSONEncoder))
        assert row["registry"] == model.registry_host
    missing = get(f"/api/v1/orgs/{org.pk}/integrations/{Integration().pk}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
