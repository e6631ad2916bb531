"""The NinjaAPI behind /api/v1/: auth, the one error shape, the OpenAPI document, the areas' routers."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Router, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from pydantic import Field

from webapp.api.auth import API_AUTH
from webapp.api.errors import ApiError, error_response, validation_details
from webapp.api.registry import areas

DESCRIPTION = """\
Send `Authorization: Token <key>` with every request; make a key on the **API tokens** page
(`/accounts/tokens/`) or with `python manage.py api_token USERNAME`. A logged-in browser session
works too (unsafe methods then need the `X-CSRFToken` header). Keys expire (API_TOKEN_DAYS).

Every error, 4xx and 5xx, answers with the `Error` schema: `{"error": "...", "details": [...]}`;
details name the field (or the file, line and column) at fault. 413: a body over the upload limit;
503: the database or the queue is unavailable, retry after the `Retry-After` seconds.
"""


class BodyIsNotAnObject(ValueError):
    pass


class JsonObjectParser(Parser):
    """Every JSON body this API takes is an object. Ninja would read a list or a string as an
    empty object where no field is required (a PATCH), and answer 200 to nonsense."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise BodyIsNotAnObject
        return data


class SoftPromptApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        # Paths relative to the server URL (/api/v1), as clients and the docs page use them.
        return super().get_openapi_schema(path_prefix="" if path_prefix is None else path_prefix,
                                          path_params=path_params)


api = SoftPromptApi(
    title="Soft Prompt Studio API",
    version="1",
    description=DESCRIPTION,
    auth=API_AUTH,
    urls_namespace="api",
    openapi_url="/schema/",
    docs_url=None,  # the docs page is /api/docs/ (webapp.api.pages), inside the site's layout
    servers=[{"url": "/api/v1", "description": "this server"}],
    parser=JsonObjectParser(),
)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return exc.response()


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(400, "Some fields are invalid: fix the fields named in details",
                          validation_details(exc.errors))


@api.exception_handler(AuthenticationError)
def _authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(401, "Authentication required: send `Authorization: Token <key>`")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        if isinstance(exc.__cause__, BodyIsNotAnObject):
            return error_response(400, "The body is not a JSON object")
        return error_response(400, "The body is not valid JSON")
    return error_response(exc.status_code, str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, "Not found")


@api.exception_handler(Exception)
def _reraise(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Outages and bugs go on to webapp.api.middleware: 503 with Retry-After, 413, or a logged 500.
    raise exc




class ApiIndex(Schema):
    name: str
    version: int
    schema_url: str = Field(serialization_alias="schema")
    docs: str


index_router = Router(tags=["api"])


@index_router.get("/", auth=None, response=ApiIndex, by_alias=True, summary="Where the description and the docs are")
def api_index(request: HttpRequest) -> dict[str, Any]:
    return {"name": "Soft Prompt Studio API", "version": 1,
            "schema_url": request.build_absolute_uri("/api/v1/schema/"),
            "docs": request.build_absolute_uri("/api/docs/")}


api.add_router("", index_router)
for _module in areas():
    api.add_router("", _module.router)
