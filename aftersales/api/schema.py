"""OpenAPI descriptions the generator cannot work out on its own.

Besides the token scheme, every operation's error answers are added here, in one place, by
`document_errors` (a drf-spectacular postprocessing hook): the one error shape of
`aftersales.api.errors` under each status code the operation can answer with, and the
`Content-Language` header every API answer carries. A new endpoint gets them without doing
anything; an operation that documents a status itself (`extend_schema(responses={409: …})`)
keeps its own description.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension

API_PREFIX = "/api/v1/"
SAFE_METHODS = {"get", "head", "options"}

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error has this shape; `message` is in the request's language.",
    "required": ["code", "message", "fields"],
    "properties": {
        "code": {"type": "string", "description": "Stable, for programs: `invalid`, `not_found`, `conflict`, …"},
        "message": {"type": "string", "description": "For people."},
        "fields": {
            "type": "object",
            "description": "Per field, its messages (`__all__`: not tied to one field; list items as `name.0`).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}

# status → (when, codes). Which operations get which status: see `error_statuses`.
ERROR_RESPONSES = {
    400: ("The body or the query parameters are wrong; `fields` says which.", ["invalid", "parse_error"]),
    401: ("No credentials, or a wrong or revoked token.", ["not_authenticated", "authentication_failed"]),
    403: ("A read-only token, or a session without its CSRF token, asked to change something.", ["permission_denied"]),
    404: ("No such object, or one you may not see; also a bad cursor.", ["not_found"]),
    409: ("Someone acted first: the status you saw (`expected_status`) no longer holds.", ["conflict"]),
    413: ("The body is larger than the limit the message names.", ["too_large"]),
    415: ("The body is not `application/json`.", ["unsupported_media_type"]),
    422: ("Not allowed now (the case's status, your role) or refused by a domain rule.", ["not_allowed", "invalid"]),
    429: ("Too many requests; retry after `Retry-After` seconds.", ["throttled"]),
}


def content_language_header() -> dict:
    return {
        "description": "The language of the answer's messages.",
        "required": True,
        "schema": {"type": "string", "enum": [code for code, _name in settings.LANGUAGES]},
    }


def error_statuses(method: str, operation: dict) -> list[int]:
    """The error statuses an operation of the API can answer with."""
    statuses = [404, 429]
    if operation.get("security") != [{}]:
        statuses.append(401)
    takes_input = "requestBody" in operation or any(p.get("in") == "query" for p in operation.get("parameters", []))
    if takes_input:
        statuses.append(400)
    if "requestBody" in operation:
        statuses.append(413)  # aftersales.api.limits: any body over the size limit
    if method not in SAFE_METHODS:
        statuses += [403, 409, 415, 422]
    return sorted(statuses)


def error_response(status: int) -> dict:
    description, codes = ERROR_RESPONSES[status]
    response = {
        "description": f"{description} (`code`: {', '.join(f'`{c}`' for c in codes)})",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        "headers": {"Content-Language": {"$ref": "#/components/headers/ContentLanguage"}},
    }
    if status == 401:
        response["headers"]["WWW-Authenticate"] = {
            "description": "`Token`: how to authenticate.",
            "required": True,
            "schema": {"type": "string"},
        }
    if status == 429:
        response["headers"]["Retry-After"] = {
            "description": "Seconds to wait before the next request.",
            "schema": {"type": "integer"},
        }
    return response


def document_errors(result, generator, request, public):
    """Postprocessing hook: the error answers and headers of every /api/v1/ operation."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    components.setdefault("headers", {})["ContentLanguage"] = content_language_header()
    for path, operations in result.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in error_statuses(method, operation):
                responses.setdefault(str(status), error_response(status))
            for response in responses.values():
                response.setdefault("headers", {}).setdefault(
                    "Content-Language", {"$ref": "#/components/headers/ContentLanguage"}
                )
    return result


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "aftersales.api.tokens.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; keys are made with `manage.py create_api_token`.",
        }
