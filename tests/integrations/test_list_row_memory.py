"""The Integrations page renders each distinct row once per process and remembers it
(views._rendered_rows): what a page shows is the same as rendering it anew, a changed row
shows at once, a member never gets an admin's row, and each page's forms carry that page's
own CSRF token."""

import re

import pytest
from django.test import Client

from integrations_site.integrations import views
from integrations_site.integrations.models import Integration, IntegrationStatus
from tests.factories import make_integration

pytestmark = pytest.mark.django_db
LIST_URL = "/integrations/"


@pytest.fixture(autouse=True)
def forget_rows():
    views._rendered.clear()
    yield
    views._rendered.clear()


def page(http) -> str:
    response = http.get(LIST_URL)
    assert response.status_code == 200
    return response.content.decode()


def tokens(html: str) -> list[str]:
    """The CSRF tokens of the rows' "Check now" forms."""
    return re.findall(
        r'<form method="post" action="/integrations/[^"]+/check/".*?'
        r'name="csrfmiddlewaretoken" value="([^"]+)"',
        html,
        flags=re.DOTALL,
    )


def without_tokens(html: str) -> str:
    # Every CSRF token on a page is masked anew for each response.
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "TOKEN", html)


def test_a_row_is_rendered_once_and_shown_the_same(admin_http, org, org_admin):
    for number in range(3):
        make_integration(org, name=f"registry-{number}", created_by=org_admin)
    first = page(admin_http)
    assert len(views._rendered) == 3
    second = page(admin_http)
    assert len(views._rendered) == 3  # nothing rendered anew
    assert without_tokens(first) == without_tokens(second)
    views._rendered.clear()  # rendered anew: the same page
    assert without_tokens(page(admin_http)) == without_tokens(first)
    assert len(tokens(first)) == 3


def test_a_changed_row_shows_at_once(admin_http, integration):
    assert "never checked" in page(admin_http)
    Integration.objects.filter(pk=integration.pk).update(
        name="renamed-registry", status=IntegrationStatus.FAILED, status_reason="Denied."
    )
    html = page(admin_http)
    assert "renamed-registry" in html and "aws-ecr-integration" not in html
    assert "Failed: Denied." in html


def test_a_member_never_gets_the_row_an_admin_saw(admin_http, org_member, integration):
    assert "Check now" in page(admin_http)
    member = Client()
    member.force_login(org_member)
    html = page(member)
    assert integration.name in html
    assert "Check now" not in html and f"/integrations/{integration.pk}/delete/" not in html
    assert tokens(html) == []


def test_each_page_carries_a_token_that_works_without_javascript(org, org_admin, integration):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(org_admin)
    seen = []
    for _ in range(2):
        (token,) = tokens(page(browser))
        assert "\x00" not in token
        seen.append(token)
        checked = browser.post(
            f"/integrations/{integration.pk}/check/", {"csrfmiddlewaretoken": token}
        )
        assert checked.status_code == 302  # not 403: the page's own token
    assert seen[0] != seen[1]  # no token frozen into a remembered row


def test_the_memory_stays_bounded(admin_http, org, org_admin, settings, monkeypatch):
    monkeypatch.setattr(views, "ROW_MEMORY_SIZE", 2)
    for number in range(4):
        make_integration(org, name=f"registry-{number}", created_by=org_admin)
    html = page(admin_http)
    assert all(f"registry-{number}" in html for number in range(4))
    assert len(views._rendered) == 2


def test_with_debug_nothing_is_remembered(admin_http, integration, settings):
    # runserver re-reads an edited template: a remembered row would show the old markup.
    settings.DEBUG = True
    assert integration.name in page(admin_http)
    assert len(views._rendered) == 0
