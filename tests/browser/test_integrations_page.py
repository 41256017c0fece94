"""The Integrations page in a real browser: Chromium driven by Playwright against the live server.

The user story from the product doc, through the UI only: sign in, open the Integrations page,
create an AWS ECR integration in the dialog, meet the SDK-only Edit tooltip, delete with the
confirmation dialog. Plus filtering, the same flows without JavaScript, and a member's view.

Screenshots land in $SCREENSHOT_DIR (``make screenshots`` sets it to docs/) or a pytest tmp dir.
These tests never skip: a missing Chromium is a failure."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from integrations_site.integrations.models import Integration
from tests.browser.support import ON_LIST, NewPage, screenshot, sign_in
from tests.factories import VALID_ACCESS_KEY_ID, VALID_SECRET, make_integration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORT = {"width": 1280, "height": 800}

CREATE_PATH = "/integrations/new/registry/"
TOOLTIP = "Container Registry integration is editable only from Dataloop SDK."
DELETE_MESSAGE = (
    "Removing the integration will result in the loss of access to any connected private registry."
)
ACCOUNT_ERROR = "Enter your AWS account ID: exactly 12 digits."


# --- helpers ----------------------------------------------------------------------------------


def set_reload_marker(page: Page) -> None:
    """A full page load would wipe this; htmx swaps keep it."""
    page.evaluate("window.__marker = 1")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"


def dialog(page: Page) -> Locator:
    return page.locator("dialog#dialog")


def row(page: Page, name: str) -> Locator:
    return page.locator("#integration-table tbody tr").filter(
        has=page.locator("td.cell-name", has_text=re.compile(f"^{re.escape(name)}$"))
    )


def table_names(page: Page) -> Locator:
    return page.locator("#integration-table tbody td.cell-name")


def labelled(scope: Page | Locator, label: str) -> Locator:
    """The control whose <label> reads exactly `label` (plus the required-field asterisk)."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}(\s*\*)?$"))


def row_action(page: Page, name: str, action: str) -> Locator:
    """Open the row's actions menu and return its item (e.g. "Delete <name>")."""
    menu = row(page, name).locator("details[data-menu]")
    if menu.get_attribute("open") is None:
        row(page, name).locator("summary", has_text="⋯").click()
    return row(page, name).get_by_role("menuitem", name=action)


def tooltip_of(page: Page, button: Locator) -> Locator:
    tip_id = button.get_attribute("aria-describedby")
    assert tip_id, "the Edit button names no tooltip"
    tip = page.locator(f"#{tip_id}")
    expect(tip).to_have_attribute("role", "tooltip")
    return tip


# --- the user story ---------------------------------------------------------------------------


def test_admin_creates_meets_the_edit_tooltip_and_deletes(page: Page, org, screenshot_dir: Path):
    # 1. Sign in and open Integrations from the left menu: nothing there yet.
    sign_in(page, "alice")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Integrations").click()
    expect(page).to_have_url(ON_LIST)
    expect(nav.get_by_role("link", name="Integrations")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=1, name="Integrations")).to_be_visible()
    expect(page.get_by_role("heading", name="No integrations yet")).to_be_visible()
    set_reload_marker(page)

    # 2. Create Integration → Create Registry Integration opens the form in a dialog.
    page.locator("summary", has_text="Create Integration").click()
    page.get_by_role("menuitem", name="Create Registry Integration").click()
    expect(dialog(page)).to_be_visible()
    expect(dialog(page)).to_have_attribute("open", "")
    expect(dialog(page).get_by_role("heading", name="Create Registry Integration")).to_be_visible()
    expect(page).to_have_url(ON_LIST)  # no navigation
    assert_not_reloaded(page)

    form = dialog(page)
    expect(labelled(form, "Integration Name")).to_be_focused()
    labelled(form, "Integration Name").fill("aws-ecr-integration")
    provider = labelled(form, "Provider")
    expect(provider).to_have_value("aws")
    expect(provider.locator("option:checked")).to_have_text("AWS")
    labelled(form, "Access Key ID").fill(VALID_ACCESS_KEY_ID)
    labelled(form, "Secret Access Key").fill(VALID_SECRET)
    labelled(form, "Account").fill("123456789012")
    labelled(form, "Region").select_option("us-east-1")
    # The form is taller than 800px: grow the window for the picture so it shows the buttons.
    dialog_height = dialog(page).evaluate("element => element.scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(800, dialog_height + 80)})
    screenshot(page, screenshot_dir / "create-dialog.png")
    page.set_viewport_size(VIEWPORT)

    # An invalid account: the error shows beside the field, in the dialog, and the secret
    # is not echoed back.
    labelled(form, "Account").fill("123")
    form.get_by_role("button", name="Create Integration").click()
    account_field = form.locator(".field", has=labelled(page, "Account"))
    expect(account_field.locator(".error")).to_have_text(ACCOUNT_ERROR)
    expect(dialog(page)).to_be_visible()
    expect(labelled(form, "Secret Access Key")).to_have_value("")
    expect(labelled(form, "Integration Name")).to_have_value("aws-ecr-integration")
    expect(labelled(form, "Access Key ID")).to_have_value(VALID_ACCESS_KEY_ID)
    expect(labelled(form, "Region")).to_have_value("us-east-1")
    assert not Integration.objects.exists()

    labelled(form, "Account").fill("123456789012")
    labelled(form, "Secret Access Key").fill(VALID_SECRET)
    form.get_by_role("button", name="Create Integration").click()
    expect(dialog(page)).to_be_hidden()
    created = row(page, "aws-ecr-integration")
    expect(created).to_be_visible()
    expect(created.locator(".badge")).to_have_text("AWS")
    expect(created).to_contain_text("123456789012")
    expect(created).to_contain_text("us-east-1")
    expect(page.get_by_role("status")).to_have_text("Integration “aws-ecr-integration” created.")
    expect(page).to_have_url(ON_LIST)
    assert_not_reloaded(page)
    integration = Integration.objects.get(organization=org, name="aws-ecr-integration")
    assert (integration.provider, integration.account, integration.region) == (
        "aws",
        "123456789012",
        "us-east-1",
    )

    # 3. Edit is disabled; its tooltip says why, on hover and on keyboard focus.
    edit = created.get_by_role("button", name="Edit", exact=True)
    expect(edit).to_have_attribute("aria-disabled", "true")
    expect(edit).to_have_accessible_description(TOOLTIP)
    tip = tooltip_of(page, edit)
    expect(tip).to_be_hidden()
    edit.hover()
    expect(tip).to_be_visible()
    expect(tip).to_have_text(TOOLTIP)
    screenshot(page, screenshot_dir / "edit-tooltip.png")
    page.mouse.move(5, 5)
    expect(tip).to_be_hidden()

    edit.focus()
    expect(edit).to_be_focused()
    expect(tip).to_be_visible()
    expect(tip).to_have_text(TOOLTIP)
    edit.blur()
    expect(tip).to_be_hidden()

    # A keyboard user gets there with Tab, moving on from the filter box above the table.
    page.get_by_role("searchbox", name="Filter by name").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if edit.evaluate("element => element === document.activeElement"):
            break
    expect(edit).to_be_focused()
    expect(tip).to_be_visible()
    expect(tip).to_have_text(TOOLTIP)

    # Clicking it does nothing: no request, no dialog, no navigation.
    requests: list[str] = []

    def record(request) -> None:
        requests.append(request.url)

    page.on("request", record)
    edit.click(force=True)  # force: Playwright won't click an aria-disabled button otherwise
    page.keyboard.press("Enter")
    expect(dialog(page)).to_be_hidden()
    expect(page).to_have_url(ON_LIST)
    assert_not_reloaded(page)
    assert requests == []
    page.remove_listener("request", record)

    # 4. Delete asks first; Cancel keeps the integration.
    page.mouse.move(5, 5)
    row_action(page, "aws-ecr-integration", "Delete aws-ecr-integration").click()
    expect(dialog(page)).to_be_visible()
    expect(dialog(page).locator("#delete-message")).to_have_text(DELETE_MESSAGE)
    cancel = dialog(page).get_by_role("link", name="Cancel")
    confirm = dialog(page).get_by_role("button", name="Delete")
    expect(cancel).to_be_visible()
    expect(confirm).to_be_visible()
    expect(page).to_have_url(ON_LIST)
    screenshot(page, screenshot_dir / "delete-dialog.png")
    cancel.click()
    expect(dialog(page)).to_be_hidden()
    expect(created).to_be_visible()
    expect(page).to_have_url(ON_LIST)
    assert_not_reloaded(page)
    assert Integration.objects.filter(pk=integration.pk).exists()

    # Focus is back on the row's menu button, then delete again and confirm: the row goes.
    expect(created.locator("summary", has_text="⋯")).to_be_focused()
    row_action(page, "aws-ecr-integration", "Delete aws-ecr-integration").click()
    expect(dialog(page).locator("#delete-message")).to_have_text(DELETE_MESSAGE)
    dialog(page).get_by_role("button", name="Delete").click()
    expect(dialog(page)).to_be_hidden()
    expect(created).to_have_count(0)
    expect(page.get_by_role("heading", name="No integrations yet")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Integration “aws-ecr-integration” deleted.")
    expect(page).to_have_url(ON_LIST)
    assert_not_reloaded(page)
    assert not Integration.objects.filter(pk=integration.pk).exists()


def test_deleting_one_of_several_removes_just_its_row(page: Page, org, org_admin):
    keep = make_integration(org, name="keep-me", created_by=org_admin)
    gone = make_integration(org, name="remove-me", created_by=org_admin)
    sign_in(page, "alice")
    expect(table_names(page)).to_have_count(2)
    set_reload_marker(page)

    row_action(page, "remove-me", "Delete remove-me").click()
    expect(dialog(page).get_by_role("heading")).to_have_text("Delete “remove-me”?")
    dialog(page).get_by_role("button", name="Delete").click()
    expect(dialog(page)).to_be_hidden()
    expect(table_names(page)).to_have_text(["keep-me"])
    expect(page.get_by_role("status")).to_have_text("Integration “remove-me” deleted.")
    assert_not_reloaded(page)
    assert list(Integration.objects.values_list("pk", flat=True)) == [keep.pk]
    assert not Integration.objects.filter(pk=gone.pk).exists()


# --- filter -----------------------------------------------------------------------------------


def test_filter_by_name_narrows_the_table(page: Page, org, org_admin, screenshot_dir: Path):
    for name in ("ml-models", "staging-ecr", "production-ecr"):
        make_integration(org, name=name, created_by=org_admin)
    sign_in(page, "alice")
    expect(table_names(page)).to_have_text(["production-ecr", "staging-ecr", "ml-models"])
    page.mouse.move(5, 5)
    screenshot(page, screenshot_dir / "integrations-page.png")
    set_reload_marker(page)

    search = page.get_by_role("searchbox", name="Filter by name")
    search.press_sequentially("ecr")
    expect(table_names(page)).to_have_text(["production-ecr", "staging-ecr"])
    expect(page).to_have_url(re.compile(r"\?q=ecr$"))

    search.fill("ML-")
    expect(table_names(page)).to_have_text(["ml-models"])

    search.fill("nothing-like-this")
    expect(table_names(page)).to_have_count(0)
    expect(
        page.get_by_role("heading", name="No integrations match “nothing-like-this”")
    ).to_be_visible()

    search.fill("")
    expect(table_names(page)).to_have_count(3)
    assert_not_reloaded(page)


# --- without JavaScript -----------------------------------------------------------------------


def test_without_javascript_create_and_delete_use_full_pages(new_page: NewPage, org):
    page = new_page(java_script_enabled=False)
    sign_in(page, "alice")
    expect(page.get_by_role("heading", name="No integrations yet")).to_be_visible()

    # The menu is a plain <details>; its item is an ordinary link to the form page.
    page.locator("summary", has_text="Create Integration").click()
    page.get_by_role("menuitem", name="Create Registry Integration").click()
    expect(page).to_have_url(re.compile(re.escape(CREATE_PATH) + "$"))
    expect(dialog(page)).to_be_hidden()
    main = page.locator("main")
    expect(main.get_by_role("heading", name="Create Registry Integration")).to_be_visible()

    labelled(main, "Integration Name").fill("no-js-registry")
    expect(labelled(main, "Provider")).to_have_value("aws")
    labelled(main, "Access Key ID").fill(VALID_ACCESS_KEY_ID)
    labelled(main, "Secret Access Key").fill(VALID_SECRET)
    labelled(main, "Account").fill("210987654321")
    labelled(main, "Region").select_option("eu-west-1")
    main.get_by_role("button", name="Create Integration").click()

    expect(page).to_have_url(ON_LIST)
    created = row(page, "no-js-registry")
    expect(created.locator(".badge")).to_have_text("AWS")
    expect(created).to_contain_text("210987654321")
    expect(page.get_by_role("status")).to_have_text("Integration “no-js-registry” created.")
    integration = Integration.objects.get(organization=org, name="no-js-registry")
    assert integration.region == "eu-west-1"

    row_action(page, "no-js-registry", "Delete no-js-registry").click()
    expect(page).to_have_url(re.compile(rf"/integrations/{integration.pk}/delete/$"))
    expect(main.locator("#delete-message")).to_have_text(DELETE_MESSAGE)
    main.get_by_role("button", name="Delete").click()

    expect(page).to_have_url(ON_LIST)
    expect(page.get_by_role("status")).to_have_text("Integration “no-js-registry” deleted.")
    expect(row(page, "no-js-registry")).to_have_count(0)
    assert not Integration.objects.filter(pk=integration.pk).exists()


# --- members ----------------------------------------------------------------------------------


def test_member_sees_integrations_but_cannot_create_or_delete(page: Page, org, org_admin):
    make_integration(org, name="team-registry", created_by=org_admin)
    sign_in(page, "bob")
    listed = row(page, "team-registry")
    expect(listed).to_be_visible()
    expect(listed.locator(".badge")).to_have_text("AWS")
    expect(page.get_by_text("Create Integration")).to_have_count(0)
    expect(page.get_by_role("menuitem", name=re.compile("^Delete"))).to_have_count(0)
    expect(listed.get_by_role("button", name="Edit", exact=True)).to_have_attribute(
        "aria-disabled", "true"
    )

    # The server agrees (not just the markup).
    assert page.request.get(CREATE_PATH).status == 403


# --- Test connection (AWS through moto's server) ----------------------------------------------


def test_test_connection_shows_each_step_then_create_anyway(
    page: Page, org, aws_endpoint, token_only_keys, ecr_image, screenshot_dir: Path
):
    sign_in(page, "alice")
    set_reload_marker(page)
    page.locator("summary", has_text="Create Integration").click()
    page.get_by_role("menuitem", name="Create Registry Integration").click()
    form = dialog(page)
    labelled(form, "Integration Name").fill("token-only")
    labelled(form, "Access Key ID").fill(token_only_keys.access_key_id)
    labelled(form, "Secret Access Key").fill(token_only_keys.secret_access_key)
    labelled(form, "Account").fill("123456789012")
    labelled(form, "Region").select_option("us-east-1")
    labelled(form, "Repository to check").fill(ecr_image.repository)

    form.get_by_role("button", name="Test connection").click()
    steps = form.locator("#connection-result li.check-step")
    expect(steps).to_have_count(4)
    expect(form.locator("li.check-step-ok")).to_have_count(3)
    expect(form.locator('li[data-step="repository"]')).to_contain_text(
        f"The IAM identity {token_only_keys.arn} is missing: ecr:DescribeRepositories"
    )
    expect(form.locator('li[data-step="keys"]')).to_contain_text(
        f"Signed in as {token_only_keys.arn}."
    )
    assert not Integration.objects.exists()  # testing saves nothing
    screenshot(page, screenshot_dir / "test-connection.png")

    # Creating runs the checks too; the failure stops it and offers Create anyway.
    form.get_by_role("button", name="Create Integration").click()
    expect(form.get_by_role("button", name="Create anyway")).to_be_visible()
    expect(labelled(form, "Secret Access Key")).not_to_have_value("")  # still typed in
    assert not Integration.objects.exists()
    form.get_by_role("button", name="Create anyway").click()
    expect(dialog(page)).not_to_be_visible()
    expect(row(page, "token-only")).to_contain_text("Failed: The IAM identity")
    assert_not_reloaded(page)
    assert Integration.objects.get().status == "failed"


# --- services lose access when their integration is deleted -----------------------------------


def test_deleting_the_integration_revokes_a_running_service(
    page: Page, org, aws_endpoint, ecr_pull_keys, ecr_image, screenshot_dir: Path
):
    from django.core.cache import cache

    cache.clear()
    make_integration(
        org,
        name="prod-ecr",
        access_key_id=ecr_pull_keys.access_key_id,
        secret_access_key=ecr_pull_keys.secret_access_key,
    )
    sign_in(page, "alice")

    # Create and deploy a service from the private registry.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Services").click()
    labelled(page, "Name").fill("detector")
    labelled(page, "Runner image").fill(ecr_image.uri)
    page.get_by_role("button", name="Deploy").click()
    service_row = page.locator("tr[data-service='detector']")
    expect(service_row).to_contain_text("Running")

    # Delete its integration: the dialog names the service.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    row_action(page, "prod-ecr", "Delete prod-ecr").click()
    expect(dialog(page)).to_contain_text("These will lose access to their images:")
    expect(dialog(page).locator("#delete-dependants")).to_contain_text("Service detector")
    screenshot(page, screenshot_dir / "delete-dependants.png")
    dialog(page).get_by_role("button", name="Delete").click()
    expect(row(page, "prod-ecr")).to_have_count(0)

    # The service shows the revocation at once, and a restart fails with it.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Services").click()
    expect(service_row).to_contain_text(
        "Registry access revoked: integration 'prod-ecr' was deleted"
    )
    service_row.get_by_role("button", name="Restart detector").click()
    expect(service_row).to_contain_text("ImagePullBackOff")
    expect(service_row).to_contain_text(
        "Registry access revoked: integration 'prod-ecr' was deleted"
    )
    screenshot(page, screenshot_dir / "services-revoked.png")
