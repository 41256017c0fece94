"""Every page at a phone, a laptop and a desktop width (issue 15.1, 15.2): no sideways page
scroll, every action reachable (the sidebar folds behind Menu below 900 px, 44 px targets on
the phone), and axe-core finds no serious or critical WCAG A/AA violation, in both themes."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from integrations_site.api.services import api_token_create
from integrations_site.deployments.models import Service
from tests.browser.support import (
    DESKTOP,
    LAPTOP,
    PHONE,
    NewPage,
    assert_accessible,
    assert_no_page_overflow,
    screenshot,
    sign_in,
)
from tests.factories import VALID_ACCESS_KEY_ID, VALID_SECRET, make_integration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/integrations/",
    "/integrations/new/registry/",
    "/storage-drivers/",
    "/services/",
    "/pipelines/",
    "/tokens/",
    "/orgs/members/",
    "/orgs/activity/",
    "/accounts/login/",
]
WIDTHS = {"phone": PHONE, "laptop": LAPTOP, "desktop": DESKTOP}


@pytest.fixture
def filled(org, org_admin):
    """Long names and every kind of row, so cramped layouts show."""
    make_integration(org, name="production-container-registry-eu-west", created_by=org_admin)
    make_integration(org, name="staging-ecr", created_by=org_admin)
    Service.objects.create(
        organization=org,
        name="detector-with-a-long-name",
        runner_image="123456789012.dkr.ecr.us-east-1.amazonaws.com/models/detector:1.4",
        registry="123456789012.dkr.ecr.us-east-1.amazonaws.com",
    )
    api_token_create(user=org_admin, name="laptop SDK")


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_page_fits_and_passes_axe(new_page: NewPage, filled, width, theme):
    page = new_page(viewport=WIDTHS[width], color_scheme=theme)
    sign_in(page, "alice")
    for path in PAGES:
        if path == "/accounts/login/":
            page.context.clear_cookies()
        page.goto(path)
        expect(page.locator("main")).to_be_visible()
        assert_no_page_overflow(page)
        assert_accessible(page)


def test_phone_menu_create_check_delete_and_services(
    new_page: NewPage, org, filled, screenshot_dir: Path
):
    page = new_page(viewport=PHONE, has_touch=True)
    sign_in(page, "alice")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Integrations")).to_be_hidden()
    create = page.locator("summary", has_text="Create Integration")
    expect(create).to_be_in_viewport()
    assert_targets_are_44px(page)
    assert_no_page_overflow(page)
    screenshot(page, screenshot_dir / "phone-integrations.png")

    # Create in the dialog: it fits the phone, its buttons stay visible while it scrolls.
    create.tap()
    page.get_by_role("menuitem", name="Create Registry Integration").tap()
    dialog = page.locator("dialog#dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label(re.compile("^Integration Name")).fill("phone-registry")
    dialog.get_by_label(re.compile("^Access Key ID")).fill(VALID_ACCESS_KEY_ID)
    dialog.get_by_label(re.compile("^Secret Access Key")).fill(VALID_SECRET)
    dialog.get_by_label(re.compile("^Account")).fill("123456789012")
    dialog.get_by_label(re.compile("^Region")).select_option("us-east-1")
    expect(dialog.get_by_role("button", name="Create Integration")).to_be_in_viewport()
    assert_no_page_overflow(page)
    dialog.get_by_role("button", name="Create Integration").tap()
    expect(dialog).to_be_hidden()
    phone_row = page.locator("tr[data-integration='phone-registry']")
    expect(phone_row).to_be_visible()

    # Check now and Delete from the row menu.
    phone_row.locator("summary", has_text="⋯").tap()
    with page.expect_response(re.compile(r"/check/$")):
        phone_row.get_by_role("menuitem", name="Check phone-registry now").tap()
    settled(page)
    phone_row = page.locator("tr[data-integration='phone-registry']")
    phone_row.locator("summary", has_text="⋯").tap()
    phone_row.get_by_role("menuitem", name="Delete phone-registry").tap()
    page.locator("dialog#dialog").get_by_role("button", name="Delete").tap()
    expect(phone_row).to_have_count(0)

    # The sidebar opens from the Menu button and leads to Services.
    page.get_by_role("button", name="Menu").tap()
    expect(nav.get_by_role("link", name="Services")).to_be_visible()
    screenshot(page, screenshot_dir / "phone-menu.png")
    nav.get_by_role("link", name="Services").tap()
    expect(page.get_by_role("heading", level=1, name="Services")).to_be_visible()
    assert_no_page_overflow(page)


@pytest.mark.parametrize("width", ["laptop", "desktop"])
def test_wide_screens_create_check_delete_and_services(
    new_page: NewPage, org, filled, width, screenshot_dir: Path
):
    page = new_page(viewport=WIDTHS[width])
    sign_in(page, "alice")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Integrations")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    # Names and badges do not break at 1366 px.
    badge = page.locator(".badge").first
    assert badge.evaluate("b => b.getClientRects().length") == 1
    assert_no_page_overflow(page)
    if width == "laptop":
        screenshot(page, screenshot_dir / "integrations-page.png")

    page.locator("summary", has_text="Create Integration").click()
    page.get_by_role("menuitem", name="Create Registry Integration").click()
    dialog = page.locator("dialog#dialog")
    dialog.get_by_label(re.compile("^Integration Name")).fill("wide-registry")
    dialog.get_by_label(re.compile("^Access Key ID")).fill(VALID_ACCESS_KEY_ID)
    dialog.get_by_label(re.compile("^Secret Access Key")).fill(VALID_SECRET)
    dialog.get_by_label(re.compile("^Account")).fill("123456789012")
    dialog.get_by_label(re.compile("^Region")).select_option("us-east-1")
    dialog.get_by_role("button", name="Create Integration").click()
    wide_row = page.locator("tr[data-integration='wide-registry']")
    expect(wide_row).to_be_visible()

    # The row menu by keyboard: arrows move, Esc closes and returns to its button.
    menu_button = wide_row.locator("summary", has_text="⋯")
    menu_button.focus()
    page.keyboard.press("ArrowDown")
    expect(wide_row.get_by_role("menuitem").first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(wide_row.get_by_role("menuitem").nth(1)).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu_button).to_be_focused()
    expect(wide_row.locator("details[data-menu]")).not_to_have_attribute("open", "")

    page.keyboard.press("ArrowDown")
    with page.expect_response(re.compile(r"/check/$")):
        wide_row.get_by_role("menuitem", name="Check wide-registry now").click()
    settled(page)
    wide_row = page.locator("tr[data-integration='wide-registry']")
    wide_row.locator("summary", has_text="⋯").click()
    wide_row.get_by_role("menuitem", name="Delete wide-registry").click()
    page.locator("dialog#dialog").get_by_role("button", name="Delete").click()
    expect(wide_row).to_have_count(0)

    nav.get_by_role("link", name="Services").click()
    expect(page.get_by_role("heading", level=1, name="Services")).to_be_visible()
    assert_no_page_overflow(page)


def test_theme_toggle_is_remembered_without_a_flash(new_page: NewPage, filled, screenshot_dir):
    page = new_page(color_scheme="light", viewport=LAPTOP)
    sign_in(page, "alice")
    toggle = page.get_by_role("button", name="Dark theme")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    page.reload()
    # theme.js ran before the first paint: the attribute is there when the DOM is.
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(245, 246, 248)", background
    screenshot(page, screenshot_dir / "dark-mode.png")
    phone = new_page(color_scheme="dark", viewport=PHONE)
    sign_in(phone, "alice")
    expect(phone.get_by_role("button", name="Dark theme")).to_have_attribute(
        "aria-pressed", "true"
    )  # the system's dark scheme, no choice stored
    screenshot(phone, screenshot_dir / "phone-dark.png")


def test_organization_id_and_integration_id_are_copyable(new_page: NewPage, org, filled):
    page = new_page(viewport=LAPTOP)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, "alice")
    page.locator("summary", has_text="Acme").click()
    expect(page.locator("#org-id")).to_have_value(str(org.pk))
    page.locator(".org-menu").get_by_role("button", name="Copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == str(org.pk)


def settled(page: Page) -> None:
    """htmx has swapped and settled the last answer."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')"
    )


def assert_targets_are_44px(page: Page) -> None:
    small = page.evaluate(
        """() => Array.from(document.querySelectorAll(
                'main a.button, main button, main summary, header button, header summary'))
            .filter(e => e.offsetParent !== null)
            .map(e => [e.textContent.trim() || e.getAttribute('aria-label'),
                       e.getBoundingClientRect()])
            .filter(([, r]) => r.height < 44 || r.width < 44)
            .map(([name, r]) => `${name}: ${Math.round(r.width)}x${Math.round(r.height)}`)"""
    )
    assert not small, "smaller than 44 px: " + ", ".join(small)
