"""The JSON API at /api/v1/.

How an area adds endpoints (datasets does it in `webapp/datasets/api.py`):

1. Write a module `webapp/<area>/api.py` with
   - views decorated with `webapp.api.auth.api_view(methods=[...])`: token auth
     (`Authorization: Token <key>`) or a logged-in session, 401/405 as JSON, a stranger's object
     a JSON 404 (raise `Http404` from an ownership helper), CSRF checked for sessions only;
   - `urlpatterns`: paths relative to /api/v1/ (e.g. `path("jobs/", jobs_view)`);
   - `SCHEMA`: `{"paths": {...}, "components": {"schemas": {...}}, "tags": [...]}`, OpenAPI 3.0
     fragments for those paths (the shared `Error` schema and `tokenAuth` scheme exist already).
2. Add the module's dotted name to `AREA_MODULES` in `webapp/api/registry.py`.

Every 4xx uses one shape, built by `webapp.api.errors.error_response`:
`{"error": "a sentence", "details": [{"file", "row", "column", "message", "field"}...]}`.
"""
