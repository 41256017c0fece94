"""The API docs page (issue 15.7): Swagger UI from the site's own static files, under its CSP
(any blocked script or style is a console error, which fails the test), trying the paged
integrations list with a token: "Authorize", "Try it out", "Execute"."""

import re

import pytest
from playwright.sync_api import Page, expect

from integrations_site.api.services import api_token_create
from tests.factories import make_integration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIST = "/api/v1/orgs/{org_id}/integrations"


def test_try_the_paged_integrations_list_from_the_docs(page: Page, org, org_admin):
    for name in ("first", "second"):
        make_integration(org, name=name)
    _, token = api_token_create(user=org_admin, name="docs")
    index = page.request.get("/api/v1/").json()
    page.goto(index["docs"])
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Integrations API")

    page.get_by_role("button", name=re.compile("^Authorize")).first.click()
    bearer = page.locator(".auth-container").filter(has_text="BearerToken").first
    bearer.locator("input").fill(token)
    bearer.get_by_role("button", name="Apply credentials").click()
    page.locator(".modal-ux .close-modal").click()

    operation = page.locator(".opblock-get").filter(
        has=page.locator(".opblock-summary-path", has_text=re.compile(f"^{re.escape(LIST)}$"))
    )
    operation.locator(".opblock-summary").first.click()
    # The paged list is documented: its parameters and the headers of its answer.
    expect(operation.locator("tr[data-param-name='pageSize']")).to_be_visible()
    expect(operation.locator(".responses-wrapper")).to_contain_text("Link")
    expect(operation.locator(".responses-wrapper")).to_contain_text("X-Total-Count")

    operation.get_by_role("button", name="Try it out").click()
    operation.locator("tr[data-param-name='org_id'] input").fill(str(org.pk))
    operation.locator("tr[data-param-name='pageSize'] input").fill("1")
    operation.get_by_role("button", name="Execute").click()

    live = operation.locator(".live-responses-table")
    expect(live.locator("tbody .response-col_status").first).to_have_text("200")
    expect(live).to_contain_text('"name": "second"')  # newest first, one per page
    expect(live).not_to_contain_text('"name": "first"')
    expect(live).to_contain_text('rel="next"')
