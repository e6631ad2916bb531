"""`{% api_snippets obj %}`: copy-paste curl and Python for the API calls about a job, a prompt
version, an ensemble or a dataset, with this server's absolute URL and the key in $SPS_TOKEN."""

from __future__ import annotations

import json
import shlex
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
    body: dict[str, Any] | None = None  # a JSON body: the call is a POST
    # Form fields sent with a file (multipart POST), for an upload answered 202 and polled.
    form: dict[str, str] | None = None
    file: str = ""  # the local file the form sends as `file`
    poll: str = ""  # where the upload's status is read, with the id from the answer in place of <id>

    @property
    def json_body(self) -> str:
        return json.dumps(self.body)

    @property
    def python_body(self) -> str:
        return repr(self.body)

    @property
    def curl_form(self) -> str:
        fields = [f"-F file=@{shlex.quote(self.file)}"]
        fields += [f"-F {shlex.quote(f'{name}={value}')}" for name, value in (self.form or {}).items()]
        return " ".join(fields)

    @property
    def python_form(self) -> str:
        return repr(self.form)


def predict_body(template: str | None) -> dict[str, Any]:
    """An example predict body for inputs read through `template` (a placeholder per column)."""
    from tuning_core.data import template_fields
    from tuning_core.errors import DataError

    try:
        fields = list(dict.fromkeys(template_fields(template or "")))
    except DataError:
        fields = []
    example = {"text": "type an input here"} if len(fields) <= 1 else {f: "…" for f in fields}
    return {"inputs": [example], "return_scores": True}


def upload_form(dataset: Any) -> dict[str, str]:
    """The API's form fields that map a new file as `dataset` was mapped."""
    form = {"name": f"{dataset.name} (new)", "input_template": dataset.input_template,
            "label_column": dataset.label_column, "task_kind": dataset.task_kind}
    if dataset.label_map:
        form["label_map"] = json.dumps(dataset.label_map)
    return form


def _template_of(version: Any) -> str | None:
    return version.job.dataset.input_template if version.job_id and version.job.dataset_id else None


def api_calls(obj: Any, absolute: Any) -> list[ApiCall]:
    """The calls a script most likely makes about `obj` (by its model), as absolute URLs."""
    from webapp.datasets.models import Dataset
    from webapp.ensembles.models import Ensemble
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
                        download=f"{obj.prompt.name}-v{obj.version}.safetensors".replace(" ", "_")),
                ApiCall("Label inputs with this version", url("predict_with_version", obj.pk),
                        body=predict_body(_template_of(obj)))]
    if isinstance(obj, Ensemble):
        members = obj.member_versions()
        return [ApiCall("Label inputs with this ensemble's vote", url("predict_with_ensemble", obj.pk),
                        body=predict_body(_template_of(members[0]) if members else None))]
    if isinstance(obj, Dataset):
        return [ApiCall("The dataset: splits, labels, problems", url("get_dataset", obj.pk)),
                ApiCall("A new file mapped like this one: answered 202 at once; poll its status_url until "
                        '"done" (with the dataset) or "rejected" (with the problems)',
                        str(absolute(reverse("api:create_dataset"))), form=upload_form(obj),
                        file=f"{obj.name}.csv".replace(" ", "_"),
                        poll=str(absolute(reverse("api:get_upload", kwargs={"upload_id": "ID"}))).replace("ID", "<id>"))]
    raise TypeError(f"No API snippets for {type(obj).__name__}")


@register.inclusion_tag("api/_snippets.html", takes_context=True)
def api_snippets(context: template.Context, obj: Any) -> dict[str, Any]:
    request = context["request"]
    calls = api_calls(obj, request.build_absolute_uri)
    return {"calls": calls, "has_posts": any(c.body for c in calls), "has_uploads": any(c.form for c in calls), "tokens_url": reverse("api_tokens"),
            "docs_url": reverse("api_docs")}
