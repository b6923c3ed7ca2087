"""The OpenAPI schema generates cleanly and its docs page needs no CDN."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.core.management import call_command


def test_schema_is_valid_openapi_json(client, db):
    response = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/cases/{number}/actions/{action_name}/" in schema["paths"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_schema_generates_without_warnings(tmp_path, db):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_docs_page_loads_assets_from_this_server_only(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "cdn" not in html.lower()
    assert '"validatorUrl": null' in html
    for asset in re.findall(r"""(?:src|href)=["']/static/([^"']+)["']""", html):
        assert finders.find(asset), asset
