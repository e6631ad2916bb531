"""The JSON API at /api/v1/, built with Django Ninja (typed schemas in, typed schemas out, OpenAPI
generated from them; docs at /api/docs/).

How an area adds an endpoint (see `webapp/api/areas/jobs.py`):

1. In `webapp/api/areas/<area>.py`, on the module's `router = Router(tags=["<area>"])`:

       @router.post("/things/{int:id}/frob/", response={200: ThingOut, **errors(400, 404)},
                    summary="Frob a thing")
       def frob_thing(request, id: int, payload: FrobIn) -> dict: ...

   - paths are relative to /api/v1/ and end with a slash; `{int:id}` for ids;
   - the body is a `ninja.Schema` (JSON), or `Form[...]` / `File[...]` for uploads; a Django form may
     still check business rules inside (pass it `webapp.api.areas.jobs.form_input(payload)`);
   - `response` names the success schema and, with `webapp.api.schemas.errors(...)`, the error
     statuses (401 and 503 are added);
   - authentication is the API's default (`webapp.api.auth`: `Authorization: Token <key>`, or a
     session with CSRF on writes); `request.user` is the caller. Fetch objects with the area's
     `get_..._for_user` helper: a stranger's object is a 404.
2. A new area module: add it to `AREA_MODULES` in `webapp/api/registry.py`.

The areas sit above every app (see the app order in the README): an app's own modules never
import them.

Every error uses one shape, `{"error": "a sentence", "details": [{"field" | "file", "line", "row",
"column", "message"}...]}`: raise `webapp.api.errors.ApiError(status, "...", details)` (or
`ApiError.from_form(form)`); Ninja's validation errors become 400 with details naming the field.
A test checks that the OpenAPI schema lists every route under /api/v1/.
"""
