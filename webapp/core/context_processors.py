from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    # The upload limit lets the upload page refuse a file before sending it.
    # Not `site_name`: Django's login view sets that to the request's host, over ours.
    return {"product_name": settings.SITE_NAME, "upload_max_bytes": settings.UPLOAD_MAX_BYTES}
