"""The API's pages for people: the interactive docs, and the API tokens page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from webapp.api.forms import TokenCreateForm
from webapp.api.models import ApiToken
from webapp.api.services import IssuedToken, create_token, revoke_token


def docs(request: HttpRequest) -> HttpResponse:
    """Swagger UI from our static files (Ninja ships it), set up by js/api-docs.js: no CDN, no inline script."""
    return render(request, "api/docs.html", {"schema_url": reverse("api:openapi-json")})


ISSUED_KEY = "api-token-issued"


@never_cache  # the answer that shows a new key must not be kept by the browser or a proxy
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """List the user's tokens. A POST makes one and redirects (a reload makes no second token);
    the key rides in the session to the next answer, which shows it once and forgets it."""
    form = TokenCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        made = create_token(request.user, form.cleaned_data["name"])
        request.session[ISSUED_KEY] = {"id": made.token.pk, "key": made.key}
        return redirect("api_tokens")
    issued = _issued_once(request)
    return render(request, "api/tokens.html", {
        "form": form, "issued": issued, "tokens": ApiToken.objects.for_user(request.user),
        "api_base": request.build_absolute_uri("/api/v1/"),
    })


def _issued_once(request: HttpRequest) -> IssuedToken | None:
    shown = request.session.pop(ISSUED_KEY, None)
    if not shown:
        return None
    token = ApiToken.objects.for_user(request.user).filter(pk=shown["id"]).first()
    return IssuedToken(token=token, key=shown["key"]) if token else None


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.for_user(request.user), pk=pk)
    revoke_token(token)
    messages.success(request, f"Token {token.name!r} revoked: its key no longer works.")
    return redirect("api_tokens")
