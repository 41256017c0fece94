"""The Integrations pages: list, create and delete, roles and organizations."""

import re
import uuid

import pytest

from integrations_site.integrations.models import Integration
from tests.factories import VALID_ACCESS_KEY_ID, VALID_SECRET, aws_fields, make_integration

LIST_URL = "/integrations/"
CREATE_URL = "/integrations/new/registry/"
HTMX = {"HTTP_HX_REQUEST": "true"}
DELETE_MESSAGE = (
    "Removing the integration will result in the loss of access to any connected private registry."
)
TOOLTIP = "Container Registry integration is editable only from Dataloop SDK."


def create_payload(**overrides) -> dict:
    payload = {"name": "aws-ecr-integration", "provider": "aws", **aws_fields()}
    payload.update(overrides)
    return payload


def delete_url(integration) -> str:
    return f"/integrations/{integration.pk}/delete/"


# --- list -------------------------------------------------------------------------------------


def test_list_page_renders(admin_http, integration):
    response = admin_http.get("/integrations/")
    assert response.status_code == 200
    assert "aws-ecr-integration" in response.content.decode()


def test_root_redirects_to_the_integrations_page(admin_http):
    response = admin_http.get("/")
    assert response.status_code == 302
    assert response["Location"] == LIST_URL


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_list_shows_the_columns_and_values(admin_http, integration):
    html = admin_http.get(LIST_URL).content.decode()
    for header in ("Provider", "Location"):
        assert f'<th scope="col">{header}</th>' in html
    for sortable in ("Name", "Status", "Created"):
        assert re.search(
            rf'<th scope="col" aria-sort="\w+"><a class="sort" [^>]*>{sortable}</a>', html
        )
    assert "aws-ecr-integration" in html
    assert "Container Registry" in html
    assert re.search(r'<span class="badge badge-hue-\d">AWS</span>', html)
    # AWS rows say Account and Region (the provider says so: it shows no registry host).
    assert '<dt>Account</dt><dd class="mono">123456789012</dd>' in html
    assert '<dt>Region</dt><dd class="mono">us-east-1</dd>' in html
    assert "by alice" in html
    assert f'value="{integration.pk}"' in html  # the id, copyable


def test_registry_rows_say_registry_and_user(admin_http, org):
    from integrations_site.integrations import services
    from integrations_site.integrations.providers import get_provider

    generic = get_provider("generic")
    services.integration_create(
        organization=org,
        created_by=None,
        name="harbor",
        provider=generic,
        credentials={
            "url": "https://registry.example.com",
            "username": "puller",
            "password": "pw",
            "verify_tls": True,
            "ca_certificate": "",
        },
    )
    html = admin_http.get(LIST_URL).content.decode()
    assert '<dt>Registry</dt><dd class="mono">registry.example.com</dd>' in html
    assert '<dt>User</dt><dd class="mono">puller</dd>' in html
    assert "<dt>Account</dt>" not in html


def test_sorting_by_name_and_status(admin_http, org):
    for name in ("bravo", "alpha", "charlie"):
        make_integration(org, name=name)
    html = admin_http.get(LIST_URL, {"sort": "name"}).content.decode()
    assert html.index("alpha") < html.index("bravo") < html.index("charlie")
    assert 'aria-sort="ascending"><a class="sort" href="?sort=-name"' in html
    html = admin_http.get(LIST_URL, {"sort": "-name"}).content.decode()
    assert html.index("charlie") < html.index("bravo") < html.index("alpha")
    assert admin_http.get(LIST_URL, {"sort": "status"}).status_code == 200
    assert admin_http.get(LIST_URL, {"sort": "nonsense"}).status_code == 200


def test_edit_is_disabled_with_the_sdk_only_tooltip(admin_http, integration):
    html = admin_http.get(LIST_URL).content.decode()
    assert 'aria-disabled="true"' in html
    assert f">{TOOLTIP}</span>" in html


def test_tooltip_names_the_configured_platform(admin_http, integration, settings):
    settings.PLATFORM_NAME = "Acme Cloud"
    html = admin_http.get(LIST_URL).content.decode()
    assert "Container Registry integration is editable only from Acme Cloud SDK." in html


def test_empty_state_invites_the_first_integration(admin_http):
    html = admin_http.get(LIST_URL).content.decode()
    assert "No integrations yet" in html
    assert f'href="{CREATE_URL}"' in html


def test_list_is_newest_first(admin_http, org):
    for name in ("first", "second", "third"):
        make_integration(org, name=name)
    html = admin_http.get(LIST_URL).content.decode()
    assert html.index("third") < html.index("second") < html.index("first")


def test_filter_by_name(admin_http, org):
    make_integration(org, name="prod-registry")
    make_integration(org, name="staging-registry")
    html = admin_http.get(LIST_URL, {"q": "PROD"}).content.decode()
    assert "prod-registry" in html and "staging-registry" not in html
    html = admin_http.get(LIST_URL, {"q": "nothing"}).content.decode()
    assert "No integrations match" in html


def test_filter_with_htmx_returns_only_the_table(admin_http, org):
    make_integration(org, name="prod-registry")
    response = admin_http.get(LIST_URL, {"q": "prod"}, HTTP_HX_TARGET="integration-table", **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="integration-table"')
    assert "<html" not in html and "prod-registry" in html


def test_pagination_50_a_page_by_keyset(admin_http, org):
    for i in range(51):
        make_integration(org, name=f"registry-{i:02d}")
    first = admin_http.get(LIST_URL).content.decode()
    assert first.count('id="integration-row-') == 50
    assert "registry-50" in first and "registry-00" not in first
    next_url = re.search(r'href="(\?[^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = admin_http.get(LIST_URL + next_url).content.decode()
    assert second.count('id="integration-row-') == 1 and "registry-00" in second
    assert 'rel="next"' not in second and "First page" in second
    # By name too, and a cursor we did not write is the first page.
    by_name = admin_http.get(LIST_URL, {"sort": "name"}).content.decode()
    next_url = re.search(r'href="(\?[^"]+)" rel="next"', by_name).group(1).replace("&amp;", "&")
    assert "registry-50" in admin_http.get(LIST_URL + next_url).content.decode()
    assert (
        admin_http.get(LIST_URL, {"after": "garbage!"})
        .content.decode()
        .count('id="integration-row-')
        == 50
    )


def test_list_shows_only_the_current_organization(admin_http, integration, other_integration):
    html = admin_http.get(LIST_URL).content.decode()
    assert "aws-ecr-integration" in html and "globex-registry" not in html


def test_user_without_organization_is_told_so(client, outsider, db):
    from tests.factories import make_user

    client.force_login(make_user("loner"))
    response = client.get(LIST_URL)
    assert response.status_code == 403
    assert "not in an organization" in response.content.decode()


def test_switching_organization_changes_the_list(client, org, org_admin, other_org, outsider):
    from integrations_site.organizations.services import membership_set

    make_integration(org, name="acme-registry")
    make_integration(other_org, name="globex-registry")
    membership_set(organization=other_org, user=org_admin, role="member")
    client.force_login(org_admin)
    assert "acme-registry" in client.get(LIST_URL).content.decode()  # Acme sorts first
    response = client.post("/orgs/switch/", {"organization": other_org.pk, "next": LIST_URL})
    assert response.status_code == 302
    html = client.get(LIST_URL).content.decode()
    assert "globex-registry" in html and "acme-registry" not in html
    assert "Create Integration" not in html  # a member there, not an admin


def test_cannot_switch_to_an_organization_one_is_not_in(client, org, org_admin, other_org):
    client.force_login(org_admin)
    response = client.post("/orgs/switch/", {"organization": other_org.pk})
    assert response.status_code == 404


# --- create -----------------------------------------------------------------------------------


def test_create_form_full_page(admin_http):
    response = admin_http.get(CREATE_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    for label in (
        "Integration Name",
        "Provider",
        "Access Key ID",
        "Secret Access Key",
        "Account",
        "Region",
    ):
        assert f">{label} <span" in html or f">{label}<" in html
    assert '<option value="aws" selected>AWS</option>' in html
    assert 'type="password"' in html
    assert ">Create Integration</button>" in html


def test_create_form_as_htmx_dialog_partial(admin_http):
    html = admin_http.get(CREATE_URL, **HTMX).content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<form id="integration-form"')
    assert 'hx-post="/integrations/new/registry/"' in html


def test_provider_fields_partial(admin_http):
    html = admin_http.get(f"{CREATE_URL}provider-fields/", {"provider": "aws"}).content.decode()
    assert html.lstrip().startswith('<fieldset id="provider-fields"')
    assert "Secret Access Key" in html and "<form" not in html


def test_region_choices_come_from_botocore_named_and_grouped(admin_http):
    html = admin_http.get(CREATE_URL).content.decode()
    assert '<option value="us-east-1">US East (N. Virginia) — us-east-1</option>' in html
    assert '<option value="eu-west-1">Europe (Ireland) — eu-west-1</option>' in html
    assert '<option value="ap-southeast-2">Asia Pacific (Sydney) — ap-southeast-2</option>' in html
    # Partitions that need an account of their own come last, under their own heading.
    commercial = html.index('<optgroup label="AWS Regions">')
    gov = html.index('<optgroup label="AWS GovCloud (US) (a separate GovCloud account)">')
    china = html.index('<optgroup label="China (a separate AWS China account)">')
    assert commercial < china < gov < html.index('value="us-gov-west-1"')


def test_create_plain_post_redirects_and_stores(admin_http, org, org_admin):
    response = admin_http.post(CREATE_URL, create_payload())
    assert response.status_code == 302 and response["Location"] == LIST_URL
    integration = Integration.objects.get()
    assert integration.organization == org
    assert integration.name == "aws-ecr-integration"
    assert integration.type == "private-registry"
    assert integration.provider == "aws"
    assert integration.metadata == {"provider": "aws"}
    assert (integration.account, integration.region) == ("123456789012", "us-east-1")
    assert integration.key_hint == "AKIA…MPLE"
    assert integration.created_by == org_admin
    assert integration.credentials["secret_access_key"] == VALID_SECRET
    html = admin_http.get(LIST_URL).content.decode()
    assert "Integration “aws-ecr-integration” created." in html


def test_create_with_htmx_returns_the_table_and_closes_the_dialog(admin_http):
    response = admin_http.post(CREATE_URL, create_payload(), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#integration-table"
    assert response["HX-Reswap"] == "outerHTML"
    assert "dialog:close" in response["HX-Trigger"]
    html = response.content.decode()
    assert "aws-ecr-integration" in html and "created." in html
    assert Integration.objects.count() == 1


def test_surrounding_spaces_are_trimmed(admin_http):
    payload = create_payload(
        name="  spaced  ",
        access_key_id=f" {VALID_ACCESS_KEY_ID} ",
        secret_access_key=f" {VALID_SECRET} ",
        account=" 123456789012 ",
    )
    assert admin_http.post(CREATE_URL, payload).status_code == 302
    integration = Integration.objects.get()
    assert integration.name == "spaced"
    assert integration.credentials["access_key_id"] == VALID_ACCESS_KEY_ID
    assert integration.credentials["secret_access_key"] == VALID_SECRET


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required."),
        ("name", "x" * 101, "Ensure this value has at most 100 characters"),
        ("access_key_id", "", "This field is required."),
        ("access_key_id", "AKIAIOSFODNN7EXAMPL", "Enter a valid Access Key ID"),
        ("access_key_id", "akiaiosfodnn7example", "Enter a valid Access Key ID"),
        ("access_key_id", "ABCDIOSFODNN7EXAMPLE", "Enter a valid Access Key ID"),
        ("access_key_id", "ASIAIOSFODNN7EXAMPL!", "Enter a valid Access Key ID"),
        ("secret_access_key", "", "This field is required."),
        ("secret_access_key", "a" * 39, "Enter a valid Secret Access Key"),
        ("secret_access_key", "a" * 41, "Enter a valid Secret Access Key"),
        ("secret_access_key", "a" * 39 + "!", "Enter a valid Secret Access Key"),
        ("account", "", "This field is required."),
        ("account", "12345678901", "exactly 12 digits"),
        ("account", "12345678901a", "exactly 12 digits"),
        ("region", "", "This field is required."),
        ("region", "mars-north-1", "Select a valid choice"),
        ("provider", "no-such-provider", "Select a valid choice"),
    ],
)
def test_each_rule_is_a_field_error_that_changes_nothing(admin_http, field, value, message):
    response = admin_http.post(CREATE_URL, create_payload(**{field: value}))
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    # The error sits with its field.
    assert f'id="id_{field}_error_1"' in html
    assert not Integration.objects.exists()


def test_asia_temporary_keys_are_accepted(admin_http):
    response = admin_http.post(CREATE_URL, create_payload(access_key_id="ASIAIOSFODNN7EXAMPLE"))
    assert response.status_code == 302


def test_secret_is_never_rendered_back_after_an_error(admin_http):
    response = admin_http.post(CREATE_URL, create_payload(account="bad"))
    html = response.content.decode()
    assert VALID_SECRET not in html
    assert VALID_ACCESS_KEY_ID in html  # not secret: kept so the user needn't retype it
    assert "Re-enter it if the form reports an error." in html


def test_htmx_errors_render_in_the_dialog(admin_http):
    response = admin_http.post(CREATE_URL, create_payload(account="bad"), **HTMX)
    assert response.status_code == 200  # htmx swaps it in place
    html = response.content.decode()
    assert "<html" not in html and "exactly 12 digits" in html
    assert VALID_SECRET not in html


def test_duplicate_name_is_a_field_error_case_insensitively(admin_http, integration):
    response = admin_http.post(CREATE_URL, create_payload(name="AWS-ECR-Integration"))
    assert response.status_code == 422
    assert "already exists in this organization" in response.content.decode()
    assert Integration.objects.count() == 1


def test_same_name_in_another_organization_is_fine(admin_http, other_org):
    make_integration(other_org, name="aws-ecr-integration")
    assert admin_http.post(CREATE_URL, create_payload()).status_code == 302


def test_database_enforces_unique_names_case_insensitively(org):
    from django.core.exceptions import ValidationError

    make_integration(org, name="Registry")
    with pytest.raises(ValidationError) as error:
        make_integration(org, name="REGISTRY")
    assert "already exists" in str(error.value.message_dict["name"])


def test_no_js_choose_provider_keeps_name_and_drops_secret(admin_http):
    response = admin_http.post(CREATE_URL, create_payload(choose_provider="1"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="aws-ecr-integration"' in html
    assert VALID_SECRET not in html
    assert not Integration.objects.exists()


# --- delete -----------------------------------------------------------------------------------


def test_delete_confirmation_page_without_js(admin_http, integration):
    response = admin_http.get(delete_url(integration))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert DELETE_MESSAGE in html
    assert ">Cancel</a>" in html and ">Delete</button>" in html
    assert "csrfmiddlewaretoken" in html


def test_delete_dialog_partial_with_htmx(admin_http, integration):
    html = admin_http.get(delete_url(integration), **HTMX).content.decode()
    assert "<html" not in html and DELETE_MESSAGE in html
    assert f'hx-post="{delete_url(integration)}"' in html
    assert f'hx-target="#integration-row-{integration.pk}"' in html


def test_delete_plain_post(admin_http, integration):
    response = admin_http.post(delete_url(integration))
    assert response.status_code == 302 and response["Location"] == LIST_URL
    assert not Integration.objects.filter(pk=integration.pk).exists()
    assert "Integration “aws-ecr-integration” deleted." in admin_http.get(LIST_URL).content.decode()


def test_delete_with_htmx_removes_just_the_row(admin_http, org, integration):
    keep = make_integration(org, name="keep-me")
    response = admin_http.post(delete_url(integration), **HTMX)
    assert response.status_code == 200
    assert "dialog:close" in response["HX-Trigger"]
    assert "HX-Retarget" not in response  # the row (hx-target) is swapped for nothing
    html = response.content.decode()
    assert 'hx-swap-oob="true"' in html and "deleted." in html
    assert "<tr" not in html
    assert list(Integration.objects.values_list("pk", flat=True)) == [keep.pk]


def test_deleting_the_last_one_shows_the_empty_state(admin_http, integration):
    response = admin_http.post(delete_url(integration), **HTMX)
    assert response["HX-Retarget"] == "#integration-table"
    assert "No integrations yet" in response.content.decode()


def test_deleting_twice_is_a_clear_404(admin_http, integration):
    admin_http.post(delete_url(integration))
    response = admin_http.post(delete_url(integration))
    assert response.status_code == 404
    assert "may have been deleted already" in response.content.decode()


def test_deleting_a_missing_integration_is_404(admin_http):
    response = admin_http.post(f"/integrations/{uuid.uuid4()}/delete/", **HTMX)
    assert response.status_code == 404


def test_delete_removes_the_ciphertext(admin_http, integration):
    from django.db import connection

    admin_http.post(delete_url(integration))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM integrations_integration")
        assert cursor.fetchone()[0] == 0


# --- roles and organizations ------------------------------------------------------------------


def test_member_sees_no_create_or_delete(member_http, integration):
    html = member_http.get(LIST_URL).content.decode()
    assert "aws-ecr-integration" in html
    assert "Create Integration" not in html
    assert delete_url(integration) not in html
    assert TOOLTIP in html  # Edit is still shown, disabled


@pytest.mark.parametrize("method", ["get", "post"])
def test_member_cannot_create(member_http, method):
    response = getattr(member_http, method)(CREATE_URL, create_payload())
    assert response.status_code == 403
    assert not Integration.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_member_cannot_delete(member_http, integration, method):
    response = getattr(member_http, method)(delete_url(integration))
    assert response.status_code == 403
    assert Integration.objects.filter(pk=integration.pk).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_organizations_integration_is_404(admin_http, other_integration, method):
    response = getattr(admin_http, method)(delete_url(other_integration))
    assert response.status_code == 404
    assert Integration.objects.filter(pk=other_integration.pk).exists()


def test_wrong_method_is_405(admin_http, integration):
    assert admin_http.delete(delete_url(integration)).status_code == 405
    assert admin_http.post(LIST_URL).status_code == 405


def test_a_pasted_json_key_is_never_rendered_back(admin_http):
    secret_key = '{"type": "service_account", "private_key": "SECRET-PEM-NOT-SHOWN"}'
    response = admin_http.post(
        CREATE_URL,
        {
            "name": "gcp",
            "provider": "gcp",
            "location": "not a host",
            "service_account": secret_key,
        },
    )
    html = response.content.decode()
    assert '<textarea name="service_account"' in html  # a box for the JSON, not one line
    assert "SECRET-PEM-NOT-SHOWN" not in html
