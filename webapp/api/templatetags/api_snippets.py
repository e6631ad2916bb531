"""`{% api_snippets obj %}`: copy-paste curl and Python for the API calls about a job, a prompt
version or a dataset, with this server's absolute URL and the key in $SPS_TOKEN."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse

register = template.Library()


@dataclass(frozen=True)
class ApiCall:
    label: str
    url: str  # absolute
    download: str = ""  # a file name: the answer is a file to save, not JSON


def api_calls(obj: Any, absolute: Any) -> list[ApiCall]:
    """The calls a script most likely makes about `obj` (by its model), as absolute URLs."""
    from webapp.datasets.models import Dataset
    from webapp.jobs.models import TuningJob
    from webapp.prompts.models import PromptVersion

    def url(name: str, pk: int) -> str:
        return str(absolute(reverse(f"api:{name}", kwargs={"id": pk})))

    if isinstance(obj, TuningJob):
        return [ApiCall("The job: status, step, best metric", url("get_job", obj.pk)),
                ApiCall("Its loss and validation series", url("job_metrics", obj.pk))]
    if isinstance(obj, PromptVersion):
        return [ApiCall("The prompt with its versions and metrics", url("get_prompt", obj.prompt_id)),
                ApiCall("This version's tensor file", url("download_version", obj.pk),
                        download=f"{obj.prompt.name}-v{obj.version}.safetensors".replace(" ", "_"))]
    if isinstance(obj, Dataset):
        return [ApiCall("The dataset: splits, labels, problems", url("get_dataset", obj.pk))]
    raise TypeError(f"No API snippets for {type(obj).__name__}")


@register.inclusion_tag("api/_snippets.html", takes_context=True)
def api_snippets(context: template.Context, obj: Any) -> dict[str, Any]:
    request = context["request"]
    return {"calls": api_calls(obj, request.build_absolute_uri), "tokens_url": reverse("api_tokens"),
            "docs_url": reverse("api_docs")}
