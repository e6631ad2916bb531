from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from webapp.prompts.models import Prompt
from webapp.prompts.services import get_prompt_for_user, get_version_for_user


@login_required
def index(request: HttpRequest) -> HttpResponse:
    prompts = Prompt.objects.for_user(request.user).select_related("base_model").prefetch_related("versions")
    return render(request, "prompts/index.html", {"prompts": prompts})


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    prompt = get_prompt_for_user(request.user, pk)
    versions = prompt.versions.select_related("job", "parent", "job__dataset").prefetch_related("eval_runs")
    return render(request, "prompts/detail.html", {"prompt": prompt, "versions": versions})


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    return version_file_response(get_version_for_user(request.user, pk))


def version_file_response(version) -> FileResponse:  # type: ignore[no-untyped-def]
    path = version.tensor_path
    if not path.exists():
        raise Http404("The prompt file is missing from storage")
    filename = f"{version.prompt.name}-v{version.version}.safetensors".replace("/", "_").replace('"', "")
    response = FileResponse(path.open("rb"), as_attachment=True, filename=filename,
                            content_type="application/octet-stream")
    response["X-Content-SHA256"] = version.sha256
    return response
