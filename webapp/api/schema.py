"""The OpenAPI 3 document: shared parts here, each area's paths from its own module."""

from __future__ import annotations

import copy
from typing import Any

from webapp.api.registry import areas

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "details"],
    "properties": {
        "error": {"type": "string", "description": "What went wrong, in one sentence"},
        "details": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "nullable": True},
                    "row": {"type": "integer", "nullable": True, "description": "1-based data row"},
                    "column": {"type": "string", "nullable": True},
                    "field": {"type": "string", "nullable": True, "description": "the request field"},
                    "message": {"type": "string"},
                    "severity": {"type": "string", "enum": ["error", "warning"]},
                },
            },
        },
    },
}


def error_ref(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


COMMON_RESPONSES = {
    "401": error_ref("Missing, invalid or expired token"),
    "404": error_ref("No such object, or not yours"),
    "503": error_ref("The database is unavailable; retry after the Retry-After header's seconds"),
}


def build_schema(server_url: str = "/api/v1") -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "Soft Prompt Studio API",
            "version": "1",
            "description": "Token auth: `Authorization: Token <key>`; `python manage.py api_token USERNAME` "
                           "prints a user's key; keys expire (API_TOKEN_DAYS). Every error, 4xx and 5xx, answers with "
                           "the Error schema: 413 for a body over the upload limit, 503 while the database is down.",
        },
        "servers": [{"url": server_url}],
        "security": [{"tokenAuth": []}],
        "paths": {},
        "tags": [],
        "components": {
            "securitySchemes": {"tokenAuth": {"type": "apiKey", "in": "header", "name": "Authorization",
                                              "description": "`Token <key>`"}},
            "schemas": {"Error": ERROR_SCHEMA},
        },
    }
    for module in areas():
        part = copy.deepcopy(getattr(module, "SCHEMA", {}))
        doc["paths"].update(part.get("paths", {}))
        doc["components"]["schemas"].update(part.get("components", {}).get("schemas", {}))
        doc["tags"].extend(part.get("tags", []))
    return doc
