"""Reading tables, turning rows into text-to-text examples, tokenising.

Every task becomes `input_text -> target_text` (the paper's text-to-text framing: a class label is a
word such as "positive"). Processed splits are `datasets.Dataset`s with those two columns.
Problems in a user's file are reported as `DataError` with the file, row (1-based, data rows
after any header) and column.
"""

from __future__ import annotations

import difflib
import math
import secrets
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tuning_core.errors import DataError, DataProblem, ProblemCode, first_line
from tuning_core.reading import (
    FORMATS,
    MAX_PROBLEMS,
    check_file,
    infer_format,
    iter_rows,
    open_parquet,
)
from tuning_core.task import MAX_LABELS, is_label_set

# ----------------------------------------------------------------------------------------------
# reading files


def read_table(path: str | Path, format: str | None = None) -> Any:
    """Read a CSV, TSV, JSONL, JSON (array of objects) or Parquet file into a `datasets.Dataset`.

    The format comes from the suffix unless given. Rows come from `tuning_core.reading`, the
    reader the web upload streams files through, so both refuse a file with the same messages.
    Unreadable input raises DataError naming the file and, where it can be known, the row.
    """
    import datasets

    p = Path(path)
    name = p.name
    fmt = (format or infer_format(p)).lower()
    if fmt not in FORMATS:
        raise DataError(
            DataProblem(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}", file=name)
        )
    if not p.is_file():
        raise DataError(DataProblem("File not found", file=str(p)))
    check_file(p, fmt, name)  # also refuses an empty file

    try:
        if fmt == "parquet":  # already columnar: no need to go row by row
            ds = datasets.Dataset(open_parquet(p, name).read())
        else:
            problems: list[DataProblem] = []
            columns = _columns(iter_rows(p, fmt, name, problems))
            if problems:
                raise DataError(problems)
            ds = datasets.Dataset.from_dict(columns)
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - arrow type clashes, corrupt parquet: the user's file
        raise DataError(
            DataProblem(f"Cannot read the file as {fmt}: {first_line(exc)}", file=name)
        ) from None
    if ds.num_rows == 0:
        raise DataError(DataProblem("The file has no data rows", file=name))
    return ds


def _columns(rows: Iterator[tuple[int, dict[str, Any]]]) -> dict[str, list[Any]]:
    """Rows as columns; a field missing from some rows is None there."""
    columns: dict[str, list[Any]] = {}
    n = 0
    for _, row in rows:
        for key, value in row.items():
            if key not in columns:
                columns[key] = [None] * n
            columns[key].append(value)
        n += 1
        if len(row) < len(columns):
            for column in columns.values():
                if len(column) < n:
                    column.append(None)
    return columns


# ----------------------------------------------------------------------------------------------
# text-to-text formatting


def template_parts(template: str) -> list[tuple[str, str | None]]:
    """(literal text, column or None) pairs of an input template (`{{` is a literal brace)."""
    try:
        return [(literal, field) for literal, field, _, _ in string.Formatter().parse(template)]
    except ValueError as exc:
        raise DataError(DataProblem(f"Invalid input template {template!r}: {exc}",
                                    code=ProblemCode.INVALID_TEMPLATE, field="input_template")) from None


def template_fields(template: str) -> list[str]:
    """Column names used as `{column}` placeholders in an input template."""
    return [field for _, field in template_parts(template) if field is not None]


def cell_text(value: Any) -> str:
    """A cell as the model reads it: empty for None or NaN, 1.0 from a float column as "1"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return value if isinstance(value, str) else label_key(value)


def render_parts(parts: list[tuple[str, str | None]], row: dict[str, Any]) -> str:
    """One row through a template already split by `template_parts`; a missing column is empty."""
    out = []
    for literal, field in parts:
        out.append(literal)
        if field is not None:
            out.append(cell_text(row.get(field)))
    return "".join(out)


def render_template(template: str, row: dict[str, Any]) -> str:
    """One row through an input template: what training feeds the model, and what the upload's
    preview shows."""
    return render_parts(template_parts(template), row)


def check_columns(
    columns: Sequence[str],
    *,
    input_template: str,
    target_column: str,
    file: str | None = None,
    source: str = "the data",
    target_name: str = "target",
) -> list[DataProblem]:
    """Every problem the column names alone reveal: an invalid template, a template with no
    column, columns it names that are not there, a missing target column (each with the
    closest name). source and target_name word the messages ("the file", "label")."""
    try:
        fields = template_fields(input_template)
    except DataError as exc:
        return [DataProblem(p.message, file=file, code=p.code, field=p.field) for p in exc.problems]
    problems: list[DataProblem] = []
    if not fields:
        problems.append(DataProblem(
            f"The input template uses no column; write e.g. {{{columns[0] if columns else 'text'}}}",
            file=file, code=ProblemCode.TEMPLATE_WITHOUT_COLUMN, field="input_template"))
    for name in dict.fromkeys(fields):
        if name not in columns:
            problems.append(DataProblem(
                f"The input template refers to column {name!r}, which {source} lacks "
                + closest_column_hint(name, columns),
                file=file, column=name, code=ProblemCode.UNKNOWN_TEMPLATE_COLUMN, field="input_template"))
    if target_column not in columns:
        problems.append(DataProblem(
            f"No {target_name} column {target_column!r} " + closest_column_hint(target_column, columns),
            file=file, column=target_column, code=ProblemCode.UNKNOWN_TARGET_COLUMN, field="target_column"))
    return problems


def closest_column_hint(name: str, columns: Sequence[str]) -> str:
    """"(columns are 'a', 'b'); did you mean 'a'?" for a column name that is not there."""
    close = difflib.get_close_matches(name, list(columns), n=1, cutoff=0.4)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"(columns are {', '.join(map(repr, columns))}){hint}"


def label_key(value: Any) -> str:
    """A raw label as text: 1.0 read from a float column is the label "1" (the web app counts
    labels with it too, so its counts match the targets training sees)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _iter_dicts(dataset: Any, columns: list[str], batch_size: int = 1000) -> Iterator[dict[str, Any]]:
    """The rows of `columns` as dicts, read a batch of columns at a time: `datasets`' own row
    access costs tens of µs a row, which dominated formatting a large file."""
    for batch in dataset.select_columns(columns).iter(batch_size=batch_size):
        for values in zip(*(batch[c] for c in columns)):
            yield dict(zip(columns, values))


def format_examples(
    dataset: Any,
    *,
    input_template: str,
    target_column: str,
    label_map: dict[str, str] | None = None,
    file: str | None = None,
) -> Any:
    """Turn raw rows into `input_text` / `target_text` columns.

    input_template: text with `{column}` placeholders, e.g. "review: {text}" or
        "premise: {premise} hypothesis: {hypothesis}".
    target_column: the label (or answer) column.
    label_map: verbalizer from raw label (as text) to target words, e.g. {"1": "positive"}; raw
        labels missing from it are errors. None: the label's own text is the target.
    Raises DataError listing unknown columns (with the closest name) and rows with no target.
    """
    import datasets

    columns = list(dataset.column_names)
    problems = check_columns(columns, input_template=input_template, target_column=target_column, file=file)
    if problems:
        raise DataError(problems)
    fields = template_fields(input_template)
    mapping = {label_key(k): str(v) for k, v in (label_map or {}).items()}
    if label_map is not None and any(not v.strip() for v in mapping.values()):
        raise DataError(DataProblem("Every label must map to a non-empty target text", file=file,
                                    code=ProblemCode.EMPTY_LABEL_WORDS, field="label_map"))

    parts = template_parts(input_template)
    inputs: list[str] = []
    targets: list[str] = []
    errors: list[DataProblem] = []
    warnings: list[DataProblem] = []
    unmapped: dict[str, int] = {}
    for i, row in enumerate(_iter_dicts(dataset, list(dict.fromkeys(fields + [target_column])))):
        raw = row[target_column]
        if (
            raw is None
            or (isinstance(raw, str) and not raw.strip())
            or (isinstance(raw, float) and math.isnan(raw))
        ):
            if len(errors) < MAX_PROBLEMS:
                errors.append(
                    DataProblem("The target is empty", file=file, row=i + 1, column=target_column,
                                code=ProblemCode.EMPTY_TARGET)
                )
            continue
        key = label_key(raw)
        if label_map is not None:
            if key not in mapping:
                if key not in unmapped:
                    unmapped[key] = i + 1
                continue
            target = mapping[key]
        else:
            target = str(raw).strip() if isinstance(raw, str) else key
        text = render_parts(parts, row)
        if not text.strip() and len(warnings) < MAX_PROBLEMS:
            warnings.append(
                DataProblem("The input is empty", file=file, row=i + 1, severity="warning",
                            code=ProblemCode.EMPTY_INPUT)
            )
        inputs.append(text)
        targets.append(target)
    for key, row_no in list(unmapped.items())[:MAX_PROBLEMS]:
        errors.append(
            DataProblem(
                f"Label {key!r} has no entry in the label map (known: {', '.join(map(repr, mapping))})",
                file=file,
                row=row_no,
                column=target_column,
                code=ProblemCode.UNMAPPED_LABEL,
                field="label_map",
            )
        )
    if errors:
        raise DataError(errors + warnings)
    return datasets.Dataset.from_dict({"input_text": inputs, "target_text": targets})


def as_text_dataset(data: Any, *, name: str = "data") -> Any:
    """Accept a Dataset, a dict of lists, a list of dicts or a DataFrame with `input_text` and
    `target_text` columns; return a Dataset (other columns are kept)."""
    import datasets

    if isinstance(data, datasets.Dataset):
        ds = data
    elif isinstance(data, dict):
        ds = datasets.Dataset.from_dict(data)
    elif isinstance(data, list):
        ds = datasets.Dataset.from_list(data)
    elif hasattr(data, "to_dict") and hasattr(data, "columns"):
        ds = datasets.Dataset.from_pandas(data, preserve_index=False)
    else:
        raise DataError(
            DataProblem(f"Cannot use {type(data).__name__} as {name}; give a datasets.Dataset")
        )
    missing = [c for c in ("input_text", "target_text") if c not in ds.column_names]
    if missing:
        raise DataError(
            DataProblem(
                f"The {name} lacks column(s) {missing}; format it with format_examples first "
                f"(it has {ds.column_names})"
            )
        )
    if ds.num_rows == 0:
        raise DataError(DataProblem(f"The {name} has no rows"))
    return ds


def is_classification(targets: Sequence[str], *, max_labels: int = MAX_LABELS) -> bool:
    """Targets drawn from a small label set (rank classification applies) rather than free text."""
    return is_label_set(set(targets), len(targets), max_labels=max_labels)


def label_set(targets: Sequence[str]) -> list[str]:
    """The distinct targets, in sorted order (a stable order for confusion matrices)."""
    return sorted(set(targets))


# ----------------------------------------------------------------------------------------------
# tokenisation and batches


@dataclass
class TokenizedData:
    """Token ids per example (each ending in EOS), truncated to the configured maximums."""

    input_ids: list[list[int]]
    target_ids: list[list[int]]
    truncated_inputs: int  # rows whose input was longer than max_input_length
    truncated_targets: int

    def __len__(self) -> int:
        return len(self.input_ids)

    @property
    def input_lengths(self) -> np.ndarray:
        return np.fromiter(
            (len(x) for x in self.input_ids), dtype=np.int64, count=len(self.input_ids)
        )


def select_rows(data: TokenizedData, indices: Sequence[int]) -> TokenizedData:
    """The rows `indices` of `data`, in that order.

    The truncation counts are left at 0: they describe a whole split, and a subset is only scored.
    """
    return TokenizedData(
        input_ids=[data.input_ids[i] for i in indices],
        target_ids=[data.target_ids[i] for i in indices],
        truncated_inputs=0,
        truncated_targets=0,
    )


def stratified_sample(
    targets: Sequence[str], size: int, *, seed: int, stratify: bool = True
) -> list[int]:
    """Sorted indices of a fixed sample of `size` rows; every row when there are no more.

    With `stratify`, each distinct target keeps its share of the rows (largest remainder, ties by
    target), drawn at random inside its class; otherwise rows are drawn uniformly. Deterministic
    in `seed`, and draws from its own generator (torch's and Python's global ones are untouched,
    so exact resumption holds).
    """
    import random

    n = len(targets)
    if size >= n:
        return list(range(n))
    rng = random.Random(seed)
    if not stratify:
        return sorted(rng.sample(range(n), size))
    groups: dict[str, list[int]] = {}
    for i, target in enumerate(targets):
        groups.setdefault(target, []).append(i)
    keys = sorted(groups)
    quotas = {k: size * len(groups[k]) / n for k in keys}
    counts = {k: math.floor(quotas[k]) for k in keys}
    by_remainder = sorted(keys, key=lambda k: (counts[k] - quotas[k], k))
    for k in by_remainder[: size - sum(counts.values())]:
        counts[k] += 1
    return sorted(i for k in keys for i in rng.sample(groups[k], counts[k]))


def truncate_ids(ids: list[int], limit: int, eos: int) -> tuple[list[int], bool]:
    """At most `limit` ids, the last one EOS when cut; and whether it was cut."""
    if len(ids) <= limit:
        return ids, False
    return ids[: limit - 1] + [eos], True  # keep EOS: T5 was trained with it closing every input


def tokenize(
    data: Any,
    tokenizer: Any,
    *,
    max_input_length: int,
    max_target_length: int,
    num_proc: int | None = None,
) -> TokenizedData:
    """Tokenise `input_text` and `target_text` with a batched `map`, truncating and counting."""
    ds = as_text_dataset(data)
    eos = tokenizer.eos_token_id

    def encode(batch: dict[str, list[str]]) -> dict[str, list[Any]]:
        ins = tokenizer(batch["input_text"], add_special_tokens=True)["input_ids"]
        outs = tokenizer(batch["target_text"], add_special_tokens=True)["input_ids"]
        res_in, res_out, cut_in, cut_out = [], [], [], []
        for a, b in zip(ins, outs):
            a, ta = truncate_ids(a, max_input_length, eos)
            b, tb = truncate_ids(b, max_target_length, eos)
            res_in.append(a)
            res_out.append(b)
            cut_in.append(ta)
            cut_out.append(tb)
        return {"input_ids": res_in, "labels": res_out, "cut_in": cut_in, "cut_out": cut_out}

    from datasets.utils import (
        are_progress_bars_disabled,
        disable_progress_bars,
        enable_progress_bars,
    )

    bars_on = not are_progress_bars_disabled()
    disable_progress_bars()  # our callers draw their own progress
    try:
        mapped = ds.select_columns(["input_text", "target_text"]).map(
            encode,
            batched=True,
            batch_size=1000,
            remove_columns=["input_text", "target_text"],
            keep_in_memory=True,
            load_from_cache_file=False,
            # Ours, so datasets does not hash `encode` with the tokenizer it closes over (~70 ms a
            # call, often more than the tokenising): in memory and never loaded from a cache file,
            # the result is known by no fingerprint.
            new_fingerprint=secrets.token_hex(16),
            num_proc=num_proc,
        )
    finally:
        if bars_on:
            enable_progress_bars()
    cols = mapped.to_dict()
    return TokenizedData(
        input_ids=cols["input_ids"],
        target_ids=cols["labels"],
        truncated_inputs=int(sum(cols["cut_in"])),
        truncated_targets=int(sum(cols["cut_out"])),
    )
