"""Every input of the datasets pages and API, query parameters included."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from django import forms

from tuning_core.data import template_fields
from tuning_core.errors import DataError
from tuning_core.task import TaskKind
from webapp.datasets.models import SPLITS, TASK_KIND_CHOICES, SplitMode
from webapp.datasets.processing import MAX_CLASSES, SPLIT_DEFAULTS, Mapping, check_mapping
from webapp.datasets.reading import ACCEPT

_ARROW = re.compile(r"\s*(?:→|->|=>|=|:|\t)\s*")


class UploadForm(forms.Form):
    EMPTY = {"empty": "The file is empty (0 bytes): choose the file that holds your data"}

    name = forms.CharField(max_length=200, required=False)
    file = forms.FileField(required=False, help_text="One file, split for you", error_messages=EMPTY)
    train_file = forms.FileField(required=False, error_messages=EMPTY)
    validation_file = forms.FileField(required=False, error_messages=EMPTY)
    test_file = forms.FileField(required=False, error_messages=EMPTY)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("file", "train_file", "validation_file", "test_file"):
            self.fields[name].widget.attrs["accept"] = ACCEPT

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if any(name in self.errors for name in ("file", "train_file", "validation_file", "test_file")):
            return data  # that file's own error (empty) says what to fix
        single = data.get("file")
        splits = [data.get(f"{s}_file") for s in SPLITS]
        if single and any(splits):
            raise forms.ValidationError("Upload either one file or separate train / validation / test files, not both")
        if not single and not any(splits):
            raise forms.ValidationError("Choose a file to upload")
        if not single and not data.get("train_file"):
            raise forms.ValidationError("Separate files need at least a train file")
        return data


def parse_label_map(text: str) -> dict[str, str]:
    """Lines of `raw label = label words` (also `→`, `->`, `:` or a tab) into a dict."""
    mapping: dict[str, str] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = _ARROW.split(line.strip(), maxsplit=1)
        if len(parts) != 2 or not parts[0] or not parts[1].strip():
            raise forms.ValidationError(f"Line {lineno}: write it as `raw label = label words`, e.g. `1 = positive`")
        raw, words = parts[0].strip(), parts[1].strip()
        if raw in mapping:
            raise forms.ValidationError(f"Line {lineno}: the raw label {raw!r} is mapped twice")
        mapping[raw] = words
    return mapping


def label_map_text(mapping: dict[str, str]) -> str:
    return "\n".join(f"{k} = {v}" for k, v in mapping.items())


class MappingFields(forms.Form):
    """The column mapping and the split, shared by the mapping page and the API."""

    input_template = forms.CharField(max_length=2000, required=False, widget=forms.TextInput)
    label_column = forms.CharField(max_length=200)
    task_kind = forms.ChoiceField(choices=TASK_KIND_CHOICES, required=False)
    split_mode = forms.ChoiceField(choices=SplitMode.choices, required=False)
    validation_ratio = forms.FloatField(min_value=0.0, max_value=0.5, required=False,
                                        initial=SPLIT_DEFAULTS.validation_ratio)
    test_ratio = forms.FloatField(min_value=0.0, max_value=0.5, required=False, initial=SPLIT_DEFAULTS.test_ratio)
    seed = forms.IntegerField(min_value=0, max_value=2**31 - 1, required=False, initial=SPLIT_DEFAULTS.seed)
    split_column = forms.CharField(max_length=200, required=False)

    columns: Sequence[str] = ()

    def clean_input_template(self) -> str:
        template = self.cleaned_data.get("input_template", "")
        if template:
            try:
                template_fields(template)
            except DataError as exc:
                raise forms.ValidationError(str(exc)) from None
        return template

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        ratio = (data.get("validation_ratio") or 0) + (data.get("test_ratio") or 0)
        if ratio >= 0.9:
            # Added, not raised: a raised error would stop the checks below and in subclasses,
            # and the page must name every problem it can know in one round trip.
            self.add_error(None, "Validation and test together must leave at least 10% for training")
        if data.get("split_mode") == SplitMode.COLUMN and not data.get("split_column"):
            self.add_error("split_column", "Choose the column that names each row's split")
        return data

    def mapping(self, label_map: dict[str, str], default_kind: str, default_split: str) -> Mapping:
        data = self.cleaned_data
        return Mapping(
            input_template=data["input_template"],
            label_column=data["label_column"],
            label_map=label_map,
            task_kind=data.get("task_kind") or default_kind,
            split_mode=data.get("split_mode") or default_split,
            validation_ratio=_or(data.get("validation_ratio"), SPLIT_DEFAULTS.validation_ratio),
            test_ratio=_or(data.get("test_ratio"), SPLIT_DEFAULTS.test_ratio),
            seed=_or(data.get("seed"), SPLIT_DEFAULTS.seed),
            split_column=data.get("split_column") or "",
        )

    def check_columns(self, mapping: Mapping) -> bool:
        """Attach problems the column names reveal to the fields they concern."""
        ok = True
        for problem in check_mapping(mapping, self.columns):
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)
            ok = False
        return ok


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


class MappingForm(MappingFields):
    name = forms.CharField(max_length=200)
    label_map = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, columns: list[str], single_file: bool,
                 label_values: Callable[[str], list[str] | None] = lambda column: None, **kwargs: Any) -> None:
        """label_values: a column's distinct values as the upload's scan saw them (None: too many)."""
        super().__init__(*args, **kwargs)
        self.columns = columns
        self.label_values = label_values
        choices = [(c, c) for c in columns]
        self.fields["label_column"] = forms.ChoiceField(choices=choices)
        self.fields["split_column"] = forms.ChoiceField(choices=[("", "(none)")] + choices, required=False)
        self.fields["input_template"].required = True
        self.fields["task_kind"].required = True
        if single_file:
            self.fields["split_mode"].choices = [(value, label) for value, label in SplitMode.choices if value != SplitMode.FILES]
        else:
            self.fields["split_mode"].choices = [(SplitMode.FILES, SplitMode.FILES.label)]

    def clean_label_map(self) -> dict[str, str]:
        return parse_label_map(self.cleaned_data.get("label_map", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if any(name not in data for name in ("input_template", "label_column", "label_map", "task_kind")):
            return data  # those fields' own errors are shown; the checks below need their values
        if data.get("task_kind") == TaskKind.GENERATION:
            # The page hides the label words for generation: what it kept there means nothing.
            data["label_map"] = {}
        label_map = data.get("label_map") or {}
        if data.get("task_kind") == TaskKind.CLASSIFICATION and len(set(label_map.values())) > MAX_CLASSES:
            self.add_error("label_map", f"At most {MAX_CLASSES} label words for classification")
        label_column, template = data["label_column"], data["input_template"]
        if data.get("task_kind") == TaskKind.CLASSIFICATION and label_map:
            self.check_label_map(label_map, label_column)
        self.check_columns(self.mapping(label_map, TaskKind.CLASSIFICATION, data.get("split_mode") or SplitMode.AUTO))
        if label_column in template_fields(template):
            self.add_error("input_template", (
                f"The input template includes the label column {{{label_column}}}: the model would read "
                "the answer it is meant to predict. Remove it from the template"))
        return data

    def check_label_map(self, label_map: dict[str, str], label_column: str) -> None:
        """Every label the file has needs label words: say which lack them now, not after processing."""
        values = self.label_values(label_column)
        if values is None:
            return
        missing = [v for v in values if v.strip() and v.strip() not in label_map]
        if not missing:
            return
        shown = ", ".join(repr(v) for v in missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        stray = [k for k in label_map if k not in values]
        hint = (f"; {', '.join(map(repr, stray[:5]))} in the map {'is' if len(stray) == 1 else 'are'} not among them"
                if stray else "")
        self.add_error("label_map", f"Label{'s' if len(missing) > 1 else ''} {shown} of column {label_column!r} "
                                    f"{'have' if len(missing) > 1 else 'has'} no entry in the label map{hint}: "
                                    "add a line `label = words` for each")


class ApiDatasetForm(MappingFields):
    """The API's fields: `input_template` or `text_column`, and `label_map` as a JSON object."""

    name = forms.CharField(max_length=200, required=False)
    text_column = forms.CharField(max_length=200, required=False)
    label_map = forms.CharField(required=False)

    def clean_label_map(self) -> dict[str, str]:
        raw = self.cleaned_data.get("label_map", "")
        if not raw.strip():
            return {}
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc}") from None
        if not isinstance(value, dict) or not all(isinstance(v, (str, int, float)) for v in value.values()):
            raise forms.ValidationError('Give a JSON object of raw label to label words, e.g. {"0": "negative"}')
        return {str(k): str(v) for k, v in value.items()}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        template, column = data.get("input_template"), data.get("text_column")
        if template and column:
            raise forms.ValidationError("Give input_template or text_column, not both")
        if not template and not column:
            self.add_error("input_template", "Give input_template (e.g. 'review: {text}') or text_column")
        elif column:
            data["input_template"] = "{" + column.replace("{", "{{").replace("}", "}}") + "}"
        return data


class DetailQuery(forms.Form):
    """The dataset page's query parameters: which sample rows, and token lengths for which model."""

    split = forms.ChoiceField(choices=[(s, s) for s in SPLITS], required=False)
    q = forms.CharField(max_length=200, required=False, strip=True)
    page = forms.IntegerField(min_value=1, max_value=10**7, required=False)
    model = forms.ChoiceField(required=False, choices=())
    max_length = forms.IntegerField(min_value=8, max_value=8192, required=False, initial=512)

    def __init__(self, *args: Any, models: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", "(choose a base model)")] + [(n, n) for n, _ in models]


class RenameForm(forms.Form):
    name = forms.CharField(max_length=200)


class DistributionQuery(forms.Form):
    """The mapping choices the label distribution follows as the user changes them."""

    label_column = forms.CharField(max_length=200, required=False)
    split_mode = forms.CharField(max_length=20, required=False)
    split_column = forms.CharField(max_length=200, required=False)
