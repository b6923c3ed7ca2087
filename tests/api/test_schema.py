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
    # The start-up script is a file of its own (no inline script under the Content-Security-Policy).
    script = client.get("/api/docs/", {"script": ""})
    assert script["Content-Type"].startswith("application/javascript")
    assert '"validatorUrl": null' in script.content.decode()
    for asset in re.findall(r"""(?:src|href)=["']/static/([^"']+)["']""", html):
        assert finders.find(asset), asset


def test_every_operation_documents_its_errors_in_the_one_shape(client, db):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"code", "message", "fields"}
    operations = [(m, p, op) for p, ops in schema["paths"].items() for m, op in ops.items()]
    assert len(operations) >= 18
    for method, path, operation in operations:
        responses = operation["responses"]
        expected = {"401", "404", "429"} | ({"403", "409", "415", "422"} if method != "get" else set())
        # Any body may be over the size limit (aftersales.api.limits): 413, documented.
        expected |= {"413"} if "requestBody" in operation else set()
        assert expected <= set(responses), (method, path)
        for status in expected:
            body = responses[status]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/Error"}, (method, path, status)
        assert all("Content-Language" in r["headers"] for r in responses.values()), (method, path)
    list_cases = schema["paths"]["/api/v1/cases/"]["get"]["responses"]
    assert "400" in list_cases  # query parameters can be wrong
    assert "400" not in schema["paths"]["/api/v1/cases/{number}/"]["get"]["responses"]


def test_nullable_case_fields_say_so(client, db):
    properties = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]["CaseDetail"][
        "properties"
    ]
    for name in ("owner", "team", "taken_by", "merged_into", "next_due_at"):
        assert properties[name].get("nullable"), name
