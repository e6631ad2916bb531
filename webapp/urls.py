from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from webapp.api import pages as api_pages

urlpatterns = [
    path("", include("webapp.core.urls")),
    path("accounts/tokens/", api_pages.tokens, name="api_tokens"),
    path("accounts/tokens/<int:pk>/revoke/", api_pages.revoke, name="api_token_revoke"),
    path("accounts/", include("webapp.accounts.urls")),
    path("datasets/", include("webapp.datasets.urls")),
    path("jobs/", include("webapp.jobs.urls")),
    path("prompts/", include("webapp.prompts.urls")),
    path("prompts/", include("webapp.evaluations.urls")),
    path("ensembles/", include("webapp.ensembles.urls")),
    path("sweeps/", include("webapp.sweeps.urls")),
    path("playground/", include("webapp.ensembles.playground_urls")),
    path("api/docs/", api_pages.docs, name="api_docs"),
    path("api/v1/", include("webapp.api.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Error pages inside the site's layout, with a way back (webapp/core/views.py).
handler403 = "webapp.core.views.permission_denied"
handler404 = "webapp.core.views.page_not_found"
handler500 = "webapp.core.views.server_error"
