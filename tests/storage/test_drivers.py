"""Storage drivers: the page, the create form's checks (S3 HeadBucket against moto's server with
IAM enforced), the registry-integration refusal in the form, the API and the SDK, deletion, and
the integration a driver uses being protected."""

import json
import re
import uuid
from html import unescape

import integrations_sdk as dl
import pytest
from django.core.exceptions import ValidationError

from integrations_site.api.services import api_token_create
from integrations_site.integrations import services as integration_services
from integrations_site.integrations.models import Integration
from integrations_site.integrations.providers import get_provider
from integrations_site.storage import services
from integrations_site.storage.models import StorageDriver
from tests.factories import CANARY_SECRET, VALID_ACCESS_KEY_ID, make_integration
from tests.fixtures.aws import BUCKET, AwsKeys, different_secret

LIST_URL = "/storage-drivers/"
CREATE_URL = "/storage-drivers/new/"
HTMX = {"HTTP_HX_REQUEST": "true"}
REGISTRY_REFUSED = "Container Registry integrations cannot be used to create storage drivers."
NOT_IN_ORG = "No storage integration with this id in this organization."
UNREACHABLE = "Could not reach AWS S3."
DELETE_MESSAGE = (
    "The driver is removed from this organization. The bucket and its objects are not changed."
)


# --- builders ---------------------------------------------------------------------------------


def make_storage_integration(
    org, *, name: str = "s3-keys", keys: AwsKeys | None = None, secret: str = CANARY_SECRET
) -> Integration:
    credentials = (
        {"access_key_id": keys.access_key_id, "secret_access_key": keys.secret_access_key}
        if keys
        else {"access_key_id": VALID_ACCESS_KEY_ID, "secret_access_key": secret}
    )
    return integration_services.integration_create(
        organization=org,
        created_by=None,
        name=name,
        provider=get_provider("aws-s3"),
        credentials=credentials,
    )


def make_driver(org, integration, *, name: str = "training-data", **fields) -> StorageDriver:
    """Straight through the service: no bucket check."""
    return services.storage_driver_create(
        organization=org,
        created_by=None,
        name=name,
        integration=integration,
        bucket=fields.pop("bucket", BUCKET),
        **fields,
    )


def form_data(integration, /, **overrides) -> dict:
    data = {
        "name": "training-data",
        "integration": str(integration.pk),
        "bucket": BUCKET,
        "path": "images/2025",
        "region": "us-east-1",
    }
    data.update(overrides)
    return data


def field_errors(html: str, field: str) -> list[str]:
    """The error messages rendered under one form field (includes/field.html)."""
    found = re.findall(rf'<p class="error" id="id_{field}_error_\d+">([^<]*)</p>', html)
    return [unescape(message) for message in found]


def select_values(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no <select name={name}>"
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def assert_csp_clean(html: str) -> None:
    assert "style=" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag


@pytest.fixture
def storage_integration(org):
    """A storage integration with well-formed keys AWS never saw (no AWS call is needed)."""
    return make_storage_integration(org)


@pytest.fixture
def s3_integration(org, moto_server, s3_read_keys):
    """A storage integration whose keys may list and read buckets in moto."""
    return make_storage_integration(org, name="s3-reader", keys=s3_read_keys)


# --- the page -----------------------------------------------------------------------------------


def test_menu_link_and_empty_page_without_storage_integrations(admin_http, integration):
    html = admin_http.get(LIST_URL).content.decode()
    assert f'<a href="{LIST_URL}" aria-current="page">Storage Drivers</a>' in html
    assert "No storage drivers yet" in html
    # Only a registry integration exists: the way forward is a storage integration.
    assert 'href="/integrations/new/storage/"' in html
    assert f'href="{CREATE_URL}"' not in html
    assert_csp_clean(html)


def test_list_shows_each_driver(admin_http, org, org_admin, storage_integration):
    services.storage_driver_create(
        organization=org,
        created_by=org_admin,
        name="training-data",
        integration=storage_integration,
        bucket="acme-datasets",
        path="images/2025",
        region="eu-west-1",
    )
    make_driver(org, storage_integration, name="whole-bucket", bucket="acme-raw")
    html = admin_http.get(LIST_URL).content.decode()
    for header in ("Name", "Integration", "Bucket", "Path", "Region", "Created"):
        assert f'<th scope="col">{header}</th>' in html
    row = re.search(r'<tr id="driver-row-[^"]+" data-driver="training-data">(.*?)</tr>', html, re.S)
    assert row, html
    cells = [
        re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r"<td.*?</td>", row.group(1), re.S)
    ]
    assert cells[0] == ["training-data"]
    assert cells[1] == ["s3-keys", "AWS"]
    assert cells[2:5] == [["acme-datasets"], ["images/2025"], ["eu-west-1"]]
    assert "by" in cells[5] and "alice" in cells[5]
    assert "whole bucket" in html  # no path
    assert f'href="{CREATE_URL}"' in html and "Delete training-data" in html
    assert CANARY_SECRET not in html
    assert_csp_clean(html)


def test_member_sees_the_list_without_actions(member_http, org, storage_integration):
    make_driver(org, storage_integration)
    response = member_http.get(LIST_URL)
    html = response.content.decode()
    assert response.status_code == 200 and "training-data" in html
    assert f'href="{CREATE_URL}"' not in html and "Delete training-data" not in html


def test_another_organizations_drivers_are_not_listed(admin_http, other_org):
    other = make_storage_integration(other_org, name="globex-s3")
    make_driver(other_org, other, name="globex-data")
    html = admin_http.get(LIST_URL).content.decode()
    assert "globex-data" not in html and "No storage drivers yet" in html


# --- create: the form -------------------------------------------------------------------------


def test_form_offers_only_storage_integrations(
    admin_http, integration, storage_integration, other_org
):
    other = make_storage_integration(other_org, name="globex-s3")
    response = admin_http.get(CREATE_URL)
    html = response.content.decode()
    assert response.status_code == 200
    for label in ("Name", "Integration", "Bucket", "Path", "Region"):
        assert re.search(rf'<label for="id_\w+">{label}', html), label
    assert select_values(html, "integration") == ["", str(storage_integration.pk)]
    assert str(integration.pk) not in html and str(other.pk) not in html
    regions = select_values(html, "region")
    assert regions[0] == "" and "us-east-1" in regions and "eu-west-1" in regions
    assert CANARY_SECRET not in html
    assert_csp_clean(html)


def test_create_checks_the_bucket_and_saves(
    admin_http, org, s3_integration, s3_read_keys, aws_endpoint, s3_bucket, aws_requests
):
    response = admin_http.post(CREATE_URL, form_data(s3_integration))
    assert response.status_code == 302 and response["Location"] == LIST_URL
    driver = StorageDriver.objects.get()
    assert (driver.organization, driver.integration, driver.name) == (
        org,
        s3_integration,
        "training-data",
    )
    assert (driver.bucket, driver.path, driver.region) == (BUCKET, "images/2025", "us-east-1")
    assert driver.created_by.get_username() == "alice"
    # One read-only call, signed with the integration's keys.
    sent = aws_requests.received(service="s3", access_key_id=s3_read_keys.access_key_id)
    assert [(r.method, r.path) for r in sent] == [("HEAD", f"/{BUCKET}")]

    html = admin_http.get(LIST_URL).content.decode()
    assert "Storage driver “training-data” created." in html
    assert 'data-driver="training-data"' in html


def test_create_without_path_or_region(admin_http, s3_integration, aws_endpoint, s3_bucket):
    response = admin_http.post(CREATE_URL, form_data(s3_integration, path="", region=""))
    assert response.status_code == 302
    driver = StorageDriver.objects.get()
    assert (driver.path, driver.region) == ("", "")


def test_create_with_htmx_swaps_the_table_and_closes_the_dialog(
    admin_http, s3_integration, aws_endpoint, s3_bucket
):
    response = admin_http.post(CREATE_URL, form_data(s3_integration), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#driver-table" and response["HX-Reswap"] == "outerHTML"
    assert json.loads(response["HX-Trigger"]) == {"dialog:close": {}}
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="driver-table"')
    assert 'data-driver="training-data"' in html and "created." in html


def test_missing_bucket_is_named_and_nothing_is_created(
    admin_http, s3_integration, aws_endpoint, s3_bucket
):
    response = admin_http.post(CREATE_URL, form_data(s3_integration, bucket="no-such-bucket"))
    assert response.status_code == 422
    html = response.content.decode()
    assert field_errors(html, "bucket") == ["Bucket no-such-bucket does not exist."]
    assert not StorageDriver.objects.exists()
    # What was typed stays in the form.
    assert 'value="training-data"' in html and 'value="no-such-bucket"' in html


def test_keys_without_s3_permission_are_denied(
    admin_http, org, no_s3_keys, aws_endpoint, s3_bucket
):
    integration = make_storage_integration(org, keys=no_s3_keys)
    response = admin_http.post(CREATE_URL, form_data(integration))
    assert response.status_code == 422
    assert field_errors(response.content.decode(), "bucket") == [
        f"Access denied to bucket {BUCKET}: "
        "the integration's keys may not call s3:ListBucket on it."
    ]
    assert not StorageDriver.objects.exists()


def test_keys_aws_does_not_accept_are_named(admin_http, org, s3_read_keys, aws_endpoint, s3_bucket):
    wrong = AwsKeys(
        s3_read_keys.user_name,
        s3_read_keys.access_key_id,
        different_secret(s3_read_keys.secret_access_key),
        s3_read_keys.account_id,
    )
    integration = make_storage_integration(org, keys=wrong)
    response = admin_http.post(CREATE_URL, form_data(integration))
    assert field_errors(response.content.decode(), "bucket") == [
        "AWS refused the integration's keys: "
        "The Secret Access Key does not match this Access Key ID."
    ]
    assert not StorageDriver.objects.exists()


def test_unreachable_aws_is_named_and_nothing_is_created(admin_http, storage_integration):
    # tests/testenv.py points AWS_ENDPOINT_URL at a closed port.
    response = admin_http.post(CREATE_URL, form_data(storage_integration))
    assert response.status_code == 422
    assert field_errors(response.content.decode(), "bucket") == [UNREACHABLE]
    assert not StorageDriver.objects.exists()


def test_errors_come_back_in_the_dialog_with_htmx(admin_http, storage_integration):
    response = admin_http.post(CREATE_URL, form_data(storage_integration), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Trigger" not in response
    assert html.lstrip().startswith('<form id="driver-form"')
    assert field_errors(html, "bucket") == [UNREACHABLE]


def test_registry_integration_posted_anyway_is_refused(
    admin_http, integration, storage_integration
):
    response = admin_http.post(CREATE_URL, form_data(integration))
    assert response.status_code == 422
    html = response.content.decode()
    assert field_errors(html, "integration") == [REGISTRY_REFUSED]
    # Refused before any AWS call: the bucket has no error of its own.
    assert field_errors(html, "bucket") == []
    assert not StorageDriver.objects.exists()


def test_another_organizations_integration_is_not_a_choice(
    admin_http, other_org, storage_integration
):
    other = make_storage_integration(other_org, name="globex-s3")
    other_registry = make_integration(other_org, name="globex-registry")
    for foreign in (other, other_registry):
        response = admin_http.post(CREATE_URL, form_data(foreign))
        assert response.status_code == 422
        errors = field_errors(response.content.decode(), "integration")
        assert len(errors) == 1 and errors[0].startswith("Select a valid choice.")
    assert not StorageDriver.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("bucket", "Bad_Bucket", "Enter a valid bucket name"),
        ("bucket", "ab", "Enter a valid bucket name"),
        ("region", "mars-north-1", "Select a valid choice."),
        ("name", "", "This field is required."),
        ("integration", "", "This field is required."),
        ("integration", "not-a-uuid", "Select a valid choice."),
    ],
)
def test_invalid_fields_are_named(admin_http, storage_integration, field, value, message):
    response = admin_http.post(CREATE_URL, form_data(storage_integration, **{field: value}))
    assert response.status_code == 422
    errors = field_errors(response.content.decode(), field)
    assert len(errors) == 1 and errors[0].startswith(message), errors
    assert not StorageDriver.objects.exists()


def test_names_are_unique_per_organization_ignoring_case(
    admin_http, org, other_org, storage_integration
):
    make_driver(org, storage_integration, name="Training-Data")
    response = admin_http.post(CREATE_URL, form_data(storage_integration, name="training-data"))
    assert field_errors(response.content.decode(), "name") == [
        "A storage driver with this name already exists in this organization."
    ]
    assert StorageDriver.objects.count() == 1
    # The database holds the rule too (a race past the form): a field error, nothing saved.
    with pytest.raises(ValidationError) as raised:
        make_driver(org, storage_integration, name="TRAINING-DATA")
    assert raised.value.message_dict == {
        "name": ["A storage driver with this name already exists in this organization."]
    }
    # Another organization may use the name.
    make_driver(other_org, make_storage_integration(other_org, name="g"), name="training-data")
    assert StorageDriver.objects.count() == 2


def test_the_service_refuses_registry_and_foreign_integrations(org, integration, other_org):
    with pytest.raises(ValidationError) as raised:
        make_driver(org, integration)
    assert raised.value.message_dict == {"integration": [REGISTRY_REFUSED]}
    with pytest.raises(ValidationError) as raised:
        make_driver(org, make_storage_integration(other_org, name="globex-s3"))
    assert "integration" in raised.value.message_dict
    assert not StorageDriver.objects.exists()


def test_member_cannot_open_or_post_the_form(member_http, storage_integration):
    assert member_http.get(CREATE_URL).status_code == 403
    assert member_http.post(CREATE_URL, form_data(storage_integration)).status_code == 403
    assert not StorageDriver.objects.exists()


def test_anonymous_is_sent_to_login(client, db):
    for url in (LIST_URL, CREATE_URL):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- delete -----------------------------------------------------------------------------------


def delete_url(driver) -> str:
    return f"/storage-drivers/{driver.pk}/delete/"


def test_delete_asks_first_then_deletes(admin_http, org, storage_integration):
    driver = make_driver(org, storage_integration)
    page = admin_http.get(delete_url(driver))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Delete storage driver “training-data”?" in html and DELETE_MESSAGE in html
    assert StorageDriver.objects.exists()  # asking changes nothing

    response = admin_http.post(delete_url(driver))
    assert response.status_code == 302 and response["Location"] == LIST_URL
    assert not StorageDriver.objects.exists()
    assert Integration.objects.filter(pk=storage_integration.pk).exists()
    assert "Storage driver “training-data” deleted." in admin_http.get(LIST_URL).content.decode()


def test_delete_with_htmx(admin_http, org, storage_integration):
    first = make_driver(org, storage_integration, name="first")
    second = make_driver(org, storage_integration, name="second")
    dialog = admin_http.get(delete_url(first), **HTMX).content.decode()
    assert dialog.lstrip().startswith("<form") and f'hx-target="#driver-row-{first.pk}"' in dialog

    response = admin_http.post(delete_url(first), **HTMX)
    assert json.loads(response["HX-Trigger"]) == {"dialog:close": {}}
    assert 'hx-swap-oob="true"' in response.content.decode()  # the row goes, the message shows
    response = admin_http.post(delete_url(second), **HTMX)
    assert response["HX-Retarget"] == "#driver-table"  # the last one: the empty table
    assert "No storage drivers yet" in response.content.decode()
    assert not StorageDriver.objects.exists()


def test_member_cannot_delete(member_http, org, storage_integration):
    driver = make_driver(org, storage_integration)
    assert member_http.get(delete_url(driver)).status_code == 403
    assert member_http.post(delete_url(driver)).status_code == 403
    assert StorageDriver.objects.exists()


def test_another_organizations_driver_is_not_found(admin_http, other_org):
    driver = make_driver(other_org, make_storage_integration(other_org, name="globex-s3"))
    assert admin_http.get(delete_url(driver)).status_code == 404
    assert admin_http.post(delete_url(driver)).status_code == 404
    assert admin_http.post(f"/storage-drivers/{uuid.uuid4()}/delete/").status_code == 404
    assert StorageDriver.objects.exists()


# --- the integration a driver uses is protected ------------------------------------------------


def test_deleting_a_used_storage_integration_is_refused_in_the_ui(
    admin_http, org, storage_integration
):
    driver = make_driver(org, storage_integration)
    make_driver(org, storage_integration, name="archive")
    url = f"/integrations/{storage_integration.pk}/delete/"
    response = admin_http.post(url)
    assert response.status_code == 409
    assert (
        "“s3-keys” is used by storage drivers: archive, training-data. Delete those drivers first."
        in response.content.decode()
    )
    assert Integration.objects.filter(pk=storage_integration.pk).exists()
    assert StorageDriver.objects.count() == 2

    # In the dialog too, without deleting anything.
    response = admin_http.post(url, **HTMX)
    assert response["HX-Retarget"] == "#dialog-content"
    assert "is used by storage drivers: archive, training-data" in response.content.decode()

    admin_http.post(delete_url(driver))
    admin_http.post(delete_url(StorageDriver.objects.get()))
    assert admin_http.post(url).status_code == 302
    assert not Integration.objects.filter(pk=storage_integration.pk).exists()


def test_deleting_a_used_storage_integration_is_refused_in_the_api(
    client, org, org_admin, storage_integration
):
    make_driver(org, storage_integration)
    api = Api(client, api_token_create(user=org_admin, name="t")[1])
    response = api.call("delete", f"/orgs/{org.pk}/integrations/{storage_integration.pk}")
    assert response.status_code == 409
    message = "“s3-keys” is used by storage drivers: training-data. Delete those drivers first."
    assert response.json() == {
        "error": {"code": "in_use", "message": message},
        "message": message,
        "status": 409,
    }
    assert Integration.objects.filter(pk=storage_integration.pk).exists()


# --- API --------------------------------------------------------------------------------------


class Api:
    def __init__(self, client, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body=None):
        data = json.dumps(body) if body is not None else None
        return getattr(self.client, method)(
            f"/api/v1{path}", data=data, headers=self.headers, content_type="application/json"
        )


@pytest.fixture
def admin_api(client, org, org_admin):
    return Api(client, api_token_create(user=org_admin, name="t")[1])


@pytest.fixture
def member_api(client, org, org_member):
    return Api(client, api_token_create(user=org_member, name="t")[1])


def api_body(integration, /, **overrides) -> dict:
    body = {"name": "training-data", "integrationId": str(integration.pk), "bucket": BUCKET}
    body.update(overrides)
    return body


def test_api_create_list_get_delete(admin_api, org, s3_integration, aws_endpoint, s3_bucket):
    path = f"/orgs/{org.pk}/drivers"
    created = admin_api.call(
        "post", path, api_body(s3_integration, path="images", region="us-east-1")
    )
    assert created.status_code == 201, created.content
    item = created.json()
    assert {k: v for k, v in item.items() if k not in ("id", "createdAt")} == {
        "name": "training-data",
        "org": str(org.pk),
        "integrationId": str(s3_integration.pk),
        "integrationName": "s3-reader",
        "bucket": BUCKET,
        "path": "images",
        "region": "us-east-1",
        "creator": "alice",
    }
    assert StorageDriver.objects.get().pk == uuid.UUID(item["id"])
    assert admin_api.call("get", path).json() == [item]
    assert admin_api.call("get", f"{path}/{item['id']}").json() == item

    assert admin_api.call("delete", f"{path}/{item['id']}").status_code == 204
    assert not StorageDriver.objects.exists()
    gone = admin_api.call("get", f"{path}/{item['id']}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"


def test_api_refuses_a_registry_integration(admin_api, org, integration):
    response = admin_api.call("post", f"/orgs/{org.pk}/drivers", api_body(integration))
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"integrationId": [REGISTRY_REFUSED]}
    assert not StorageDriver.objects.exists()


def test_api_treats_another_organizations_integration_as_unknown(admin_api, org, other_org):
    for integration_id in (make_storage_integration(other_org, name="globex-s3").pk, uuid.uuid4()):
        body = {"name": "training-data", "integrationId": str(integration_id), "bucket": BUCKET}
        response = admin_api.call("post", f"/orgs/{org.pk}/drivers", body)
        assert response.status_code == 400
        assert response.json()["error"]["fields"] == {"integrationId": [NOT_IN_ORG]}
    assert not StorageDriver.objects.exists()


def test_api_names_bucket_failures(admin_api, org, s3_integration, aws_endpoint, s3_bucket):
    response = admin_api.call(
        "post", f"/orgs/{org.pk}/drivers", api_body(s3_integration, bucket="no-such-bucket")
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "bucket": ["Bucket no-such-bucket does not exist."]
    }
    assert not StorageDriver.objects.exists()


def test_api_unreachable_aws_is_503(admin_api, org, storage_integration):
    response = admin_api.call("post", f"/orgs/{org.pk}/drivers", api_body(storage_integration))
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "storage_unreachable" and error["fields"] == {"bucket": [UNREACHABLE]}
    assert not StorageDriver.objects.exists()


def test_api_taken_name_is_409(admin_api, org, storage_integration):
    make_driver(org, storage_integration, name="Training-Data")
    response = admin_api.call("post", f"/orgs/{org.pk}/drivers", api_body(storage_integration))
    assert response.status_code == 409 and response.json()["error"]["code"] == "name_taken"


def test_api_rejects_unknown_fields(admin_api, org, storage_integration):
    response = admin_api.call(
        "post", f"/orgs/{org.pk}/drivers", api_body(storage_integration, secret="x")
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"secret": ["Unknown field."]}


def test_api_member_reads_but_cannot_write(member_api, org, storage_integration):
    driver = make_driver(org, storage_integration)
    path = f"/orgs/{org.pk}/drivers"
    assert [d["name"] for d in member_api.call("get", path).json()] == ["training-data"]
    assert member_api.call("get", f"{path}/{driver.pk}").status_code == 200
    for response in (
        member_api.call("post", path, api_body(storage_integration, name="other")),
        member_api.call("delete", f"{path}/{driver.pk}"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    assert StorageDriver.objects.count() == 1


def test_api_another_organization_is_not_found(admin_api, org, other_org):
    other = make_driver(other_org, make_storage_integration(other_org, name="globex-s3"))
    assert admin_api.call("get", f"/orgs/{other_org.pk}/drivers").status_code == 404
    for method in ("get", "delete"):
        assert admin_api.call(method, f"/orgs/{org.pk}/drivers/{other.pk}").status_code == 404
        assert admin_api.call(method, f"/orgs/{other_org.pk}/drivers/{other.pk}").status_code == 404
    assert StorageDriver.objects.exists()


def test_api_documents_the_driver_routes(admin_api):
    paths = admin_api.call("get", "/openapi.json").json()["paths"]
    assert set(paths["/api/v1/orgs/{org_id}/drivers"]) == {"get", "post"}
    assert set(paths["/api/v1/orgs/{org_id}/drivers/{driver_id}"]) == {"get", "delete"}


# --- SDK against the live server --------------------------------------------------------------


@pytest.fixture
def sdk(live_server, org, org_admin):
    _, raw = api_token_create(user=org_admin, name="sdk")
    previous = (dl.client._base_url, dl.client._token)
    dl.set_base_url(live_server.url)
    dl.login_token(raw)
    yield dl
    dl.client._base_url, dl.client._token = previous


@pytest.mark.django_db(transaction=True)
def test_sdk_refuses_a_registry_integration(sdk, org, integration):
    with pytest.raises(dl.exceptions.BadRequest) as raised:
        sdk.drivers.create(
            name="training-data",
            integration_id=str(integration.pk),
            bucket=BUCKET,
            organization_id=str(org.pk),
        )
    assert raised.value.status_code == 400
    assert raised.value.fields == {"integrationId": [REGISTRY_REFUSED]}
    assert REGISTRY_REFUSED in str(raised.value)
    assert not StorageDriver.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_sdk_round_trip(sdk, org, s3_integration, aws_endpoint, s3_bucket):
    org_id = str(org.pk)
    driver = sdk.drivers.create(
        name="training-data",
        integration_id=str(s3_integration.pk),
        bucket=BUCKET,
        path="images",
        region="us-east-1",
        organization_id=org_id,
    )
    assert isinstance(driver, dl.Driver)
    assert (driver.name, driver.bucket, driver.path, driver.region) == (
        "training-data",
        BUCKET,
        "images",
        "us-east-1",
    )
    assert driver.integration_id == str(s3_integration.pk) and driver.creator == "alice"
    assert driver.created_at is not None and driver.created_at.tzinfo is not None

    assert [d.id for d in sdk.drivers.list(organization_id=org_id)] == [driver.id]
    assert sdk.drivers.get(driver_id=driver.id, organization_id=org_id) == driver
    org_entity = sdk.organizations.get(organization_id=org_id)
    assert [d.name for d in org_entity.drivers.list()] == ["training-data"]

    with pytest.raises(dl.exceptions.BadRequest) as raised:
        sdk.drivers.create(
            name="missing",
            integration_id=str(s3_integration.pk),
            bucket="no-such-bucket",
            organization_id=org_id,
        )
    assert raised.value.fields == {"bucket": ["Bucket no-such-bucket does not exist."]}

    with pytest.raises(dl.exceptions.DeleteNotConfirmed):
        sdk.drivers.delete(driver_id=driver.id, organization_id=org_id)
    assert StorageDriver.objects.count() == 1
    assert sdk.drivers.delete(driver_id=driver.id, organization_id=org_id, sure=True, really=True)
    assert not StorageDriver.objects.exists()
    with pytest.raises(dl.exceptions.NotFound):
        sdk.drivers.get(driver_id=driver.id, organization_id=org_id)


# --- admin ------------------------------------------------------------------------------------


def test_admin_lists_drivers_read_only(client, org, storage_integration):
    from django.contrib.auth import get_user_model

    make_driver(org, storage_integration)
    staff = get_user_model().objects.create_superuser("root", password="pw-for-tests-only")
    client.force_login(staff)
    listing = client.get("/admin/storage/storagedriver/")
    html = listing.content.decode()
    assert listing.status_code == 200 and "training-data" in html and CANARY_SECRET not in html
    assert client.get("/admin/storage/storagedriver/add/").status_code == 403


def test_deleting_the_organization_takes_its_drivers_and_integrations(org, storage_integration):
    make_driver(org, storage_integration)
    org.delete()  # the drivers restrict deleting an integration alone, not the cascade
    assert not StorageDriver.objects.exists()
    assert not Integration.objects.exists()


def test_django_admin_refuses_deleting_a_used_storage_integration(
    admin_http, org, org_admin, storage_integration
):
    make_driver(org, storage_integration)
    org_admin.is_staff = org_admin.is_superuser = True
    org_admin.save()
    url = f"/admin/integrations/integration/{storage_integration.pk}/delete/"
    page = admin_http.get(url).content.decode()
    assert "protected" in page and "training-data" in page
    admin_http.post(url, {"post": "yes"})
    assert Integration.objects.filter(pk=storage_integration.pk).exists()
