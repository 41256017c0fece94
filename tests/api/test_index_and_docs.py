"""GET /api/v1/ answers a small index; /api/v1/docs is Swagger UI from local static files
under the site's CSP (issue 15.7). The browser test tries a list from the docs page
(tests/browser/test_api_docs.py)."""

import re

from django.contrib.staticfiles import finders


def test_the_index_links_to_the_docs_and_the_schema(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200
    assert response.json() == {
        "name": "Integrations API",
        "version": "1",
        "docs": "http://testserver/api/v1/docs",
        "openapi": "http://testserver/api/v1/openapi.json",
        "authentication": "Authorization: Bearer <token> (API tokens page or createapitoken)",
    }
    assert client.get(response.json()["openapi"]).status_code == 200


def test_the_docs_page_loads_only_same_origin_files_under_the_csp(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "http" not in csp
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/") for source in sources), sources
    scripts = re.findall(r"<script([^>]*)>", html)
    # Each script is a same-origin file or a JSON data block (never executed; the CSP allows it).
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    for source in re.findall(r'src="/static/([^"]+)"', html):
        assert finders.find(source), f"{source} is not a local static file"
    assert '<html lang="en">' in html
