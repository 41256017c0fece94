"""The API tokens page (issue 15.5): the new token beside a copy button (selectable without
JavaScript), expiry and last use shown, revoke asks first (a dialog, or a page without JS)."""

from integrations_site.api.models import ApiToken
from integrations_site.api.services import api_token_create


def test_the_new_token_is_selectable_with_a_copy_button(admin_http):
    response = admin_http.post("/tokens/new/", {"name": "laptop", "expires_in_days": "30"})
    html = response.content.decode()
    token = ApiToken.objects.get(name="laptop")
    assert 'id="new-token"' in html and "readonly" in html
    assert 'data-copy="new-token"' in html
    assert response["Cache-Control"] == "no-store"
    assert round((token.expires_at - token.created_at).total_seconds() / 86400) == 30


def test_revoke_asks_first_on_a_page_of_its_own(admin_http, org_admin):
    token, _ = api_token_create(user=org_admin, name="ci")
    listing = admin_http.get("/tokens/").content.decode()
    # A link to the question, not a form that revokes at once.
    assert f'href="/tokens/{token.pk}/revoke/"' in listing
    assert f'action="/tokens/{token.pk}/revoke/"' not in listing

    page = admin_http.get(f"/tokens/{token.pk}/revoke/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Revoke “ci”?" in html and "<!doctype html>" in html
    assert f'action="/tokens/{token.pk}/revoke/"' in html
    token.refresh_from_db()
    assert token.revoked_at is None  # asking changes nothing

    admin_http.post(f"/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoke_question_is_dialog_content_for_htmx(admin_http, org_admin):
    token, _ = api_token_create(user=org_admin, name="ci")
    html = admin_http.get(f"/tokens/{token.pk}/revoke/", headers={"HX-Request": "true"})
    body = html.content.decode()
    assert "Revoke “ci”?" in body and "<!doctype html>" not in body
    assert 'aria-label="Close"' in body


def test_someone_elses_token_gets_no_question(admin_http, org_member):
    token, _ = api_token_create(user=org_member, name="theirs")
    assert admin_http.get(f"/tokens/{token.pk}/revoke/").status_code == 404


def test_runtime_revoke_asks_first(admin_http, org, org_admin):
    from integrations_site.api.services import runtime_token_create

    token, _ = runtime_token_create(organization=org, created_by=org_admin, name="cluster")
    assert (
        "Revoke “cluster”?"
        in admin_http.get(f"/tokens/runtime/{token.pk}/revoke/").content.decode()
    )
