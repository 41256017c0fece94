"""The create dialog as a person uses it: the ✕ and Esc close it and give focus back to the
button that opened it, Test connection drops the errors of an earlier submit, a provider that
does not answer is an unknown (?) step, not a failed one, and each provider brings its own
example name."""

import re

from playwright.sync_api import Page, expect

from tests.browser.support import sign_in
from tests.browser.test_integrations_page import dialog, labelled
from tests.factories import VALID_ACCESS_KEY_ID, VALID_SECRET


def open_create(page: Page) -> None:
    page.locator("summary", has_text="Create Integration").click()
    page.get_by_role("menuitem", name="Create Registry Integration").click()
    expect(dialog(page)).to_be_visible()


def test_close_button_and_escape_return_focus_to_the_opener(page: Page, org):
    sign_in(page, "alice")
    open_create(page)
    dialog(page).get_by_role("link", name="Close").click()
    expect(dialog(page)).not_to_be_visible()
    expect(page.locator("summary", has_text="Create Integration")).to_be_focused()
    open_create(page)
    page.keyboard.press("Escape")
    expect(dialog(page)).not_to_be_visible()
    expect(page.locator("summary", has_text="Create Integration")).to_be_focused()


def test_test_connection_clears_old_errors_and_an_unanswered_check_is_unknown(page: Page, org):
    sign_in(page, "alice")
    open_create(page)
    form = dialog(page)
    # A submit with fields missing shows their errors under them...
    form.get_by_role("button", name="Create Integration").click()
    expect(form.locator(".field .error").first).to_be_visible()
    # ...once filled in, Test connection checks again and those errors go. AWS does not
    # answer here (a closed port): the first step is unknown, not failed.
    labelled(form, "Integration Name").fill("ecr")
    labelled(form, "Access Key ID").fill(VALID_ACCESS_KEY_ID)
    labelled(form, "Secret Access Key").fill(VALID_SECRET)
    labelled(form, "Account").fill("123456789012")
    labelled(form, "Region").select_option("us-east-1")
    form.get_by_role("button", name="Test connection").click()
    expect(form.locator("#connection-result")).to_contain_text("did not answer")
    expect(form.locator(".field .error")).to_have_count(0)
    unknown = form.locator("li.check-step-unknown")
    expect(unknown).to_have_count(1)
    expect(unknown.locator(".check-icon")).to_have_text("?")
    expect(form.locator("li.check-step-bad")).to_have_count(0)


def test_each_provider_brings_its_example_name_and_a_json_box_for_keys(page: Page, org):
    sign_in(page, "alice")
    open_create(page)
    form = dialog(page)
    name = labelled(form, "Integration Name")
    expect(name).to_have_attribute("placeholder", "aws-ecr-integration")
    labelled(form, "Provider").select_option(label="GCP Artifact Registry")
    # A box for the JSON key (not one line), labelled for what it holds.
    expect(form.locator("textarea#id_service_account")).to_be_visible()
    expect(labelled(form, "Service account JSON key")).to_have_attribute("rows", "6")
    expect(name).to_have_attribute("placeholder", re.compile("^gcp"))
