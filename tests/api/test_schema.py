"""The OpenAPI schema validates with no warning, and its documentation page is served by
riskreg itself: Swagger UI's files from our static files, nothing inline, nothing from a CDN."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_validates_with_no_warning(tmp_path):
    # drf-spectacular's own check: the OpenAPI 3 JSON schema, and every warning an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    text = (tmp_path / "s.yml").read_text()
    for path in ("/api/registers/{slug}/quarters/{year}-q{quarter}/rows/", "/api/risks/",
                 "/api/hmic/recommendations/", "/api/delivery/commitments/"):  # fmt: skip
        assert f"  {path}:" in text
    assert "scheme: bearer" in text


def test_the_schema_is_served_to_signed_in_readers(seeded, client, pcc_staff):
    assert client.get("/api/schema/").status_code == 401
    client.force_login(pcc_staff)
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "riskreg API"


def test_the_docs_page_is_served_from_our_own_origin(seeded, client, chief_officer):
    response = client.get("/api/docs/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(chief_officer)
    response = client.get("/api/docs/")
    page = response.content.decode()
    assert response.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui-bundle.js" in s for s in sources)
    assert all(s.startswith("/") for s in sources), sources  # no other host
    assert "<style" not in page and "<script>" not in page  # nothing inline for CSP to refuse
    for source in sources:
        if source.startswith("/static/"):  # a file riskreg has (drf-spectacular-sidecar's)
            assert finders.find(source.removeprefix("/static/")), source
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "/api/schema/" in script.content.decode()
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
