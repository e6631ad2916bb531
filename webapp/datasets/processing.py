"""Turning checked upload files into processed Arrow splits, finding every problem on the way.

Rows stream from the files in batches; each batch goes through `tuning_core.data.format_examples`
(the same text-to-text formatting training uses) and is appended to one Arrow file, so memory holds
a batch plus a few numbers per row (a hash, a length, a label id) however large the file. Splits
are then written with `datasets.Dataset.save_to_disk`, memory-mapped from that Arrow file.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from tuning_core.data import (
    MAX_PROBLEMS,
    cell_text,
    check_columns,
    closest_column_hint,
    format_examples,
    template_fields,
)
from tuning_core.errors import DataError, DataProblem, ProblemCode
from tuning_core.reading import Position, iter_rows, locate
from tuning_core.task import MAX_LABELS, TaskKind, task_kind_of
from webapp.datasets.models import SPLITS, SplitMode
from webapp.datasets.reading import SPLIT_ALIASES

# More distinct labels than this is not a classification task: rank classification scores
# every label for every example, and a confusion matrix stops being readable.
MAX_CLASSES = MAX_LABELS
BATCH_ROWS = 5000
HISTOGRAM_BINS = 20

ProgressCallback = Callable[[str], None]


@dataclass(frozen=True)
class SourceFile:
    role: str  # "file" (one file split later) or a split name
    path: Path
    format: str
    name: str  # the user's filename, for messages only


@dataclass(frozen=True)
class SplitDefaults:
    """The automatic split's settings when a user leaves them out: the one place they live."""

    validation_ratio: float = 0.1
    test_ratio: float = 0.1
    seed: int = 42


SPLIT_DEFAULTS = SplitDefaults()


@dataclass(frozen=True)
class Mapping:
    input_template: str
    label_column: str
    label_map: dict[str, str]
    task_kind: str = "classification"  # a TaskKind value
    split_mode: str = "auto"  # a SplitMode value
    validation_ratio: float = SPLIT_DEFAULTS.validation_ratio
    test_ratio: float = SPLIT_DEFAULTS.test_ratio
    seed: int = SPLIT_DEFAULTS.seed
    split_column: str = ""

    def split_options(self) -> dict[str, Any]:
        if self.split_mode == SplitMode.AUTO:
            return {"validation_ratio": self.validation_ratio, "test_ratio": self.test_ratio, "seed": self.seed}
        if self.split_mode == SplitMode.COLUMN:
            return {"split_column": self.split_column}
        return {}


@dataclass
class ProcessResult:
    task_kind: str
    split_counts: dict[str, int]
    labels: list[str]
    label_counts: dict[str, int]
    stats: dict[str, Any]
    warnings: list[DataProblem] = field(default_factory=list)
    # Token-length histograms measured while processing, keyed like Dataset.token_stats.
    token_stats: dict[str, Any] = field(default_factory=dict)


# tuning_core names the label column the target column.
FORM_FIELDS = {"target_column": "label_column"}


def check_mapping(mapping: Mapping, columns: Sequence[str], file: str | None = None) -> list[DataProblem]:
    """Problems with a mapping that the column names alone reveal: unknown or misspelled columns,
    each naming the mapping field it concerns."""
    problems = [replace(p, field=FORM_FIELDS.get(p.field or "", p.field))
                for p in check_columns(columns, input_template=mapping.input_template,
                                       target_column=mapping.label_column, file=file, source="the file",
                                       target_name="label")]
    if mapping.split_mode == SplitMode.COLUMN and mapping.split_column not in columns:
        problems.append(DataProblem(
            f"No split column {mapping.split_column!r} " + closest_column_hint(mapping.split_column, columns),
            file=file, column=mapping.split_column, code=ProblemCode.UNKNOWN_SPLIT_COLUMN, field="split_column"))
    if any(not str(v).strip() for v in mapping.label_map.values()):
        problems.append(DataProblem("Every raw label must map to label words; one is empty",
                                    column=mapping.label_column, code=ProblemCode.EMPTY_LABEL_WORDS,
                                    field="label_map"))
    return problems


class _Collector:
    """Problems found so far, capped, with identical messages reported once."""

    def __init__(self) -> None:
        self.errors: list[DataProblem] = []
        self.warnings: list[DataProblem] = []
        self._seen: set[tuple[Any, ...]] = set()

    def add(self, problem: DataProblem) -> None:
        # A label missing from the map is the same problem on every row that has it: report it once.
        located = problem.row is not None or problem.line is not None
        once = not located or problem.code == ProblemCode.UNMAPPED_LABEL
        key = (problem.file, problem.column, problem.message) if once else None
        if key is not None:
            if key in self._seen:
                return
            self._seen.add(key)
        target = self.errors if problem.severity == "error" else self.warnings
        if len(target) < MAX_PROBLEMS:
            target.append(problem)

    @property
    def full(self) -> bool:
        return len(self.errors) >= MAX_PROBLEMS


class _Pass:
    """One pass over every row of every file: the checked rows go to an Arrow stream, and the
    few numbers per row that splitting, statistics and duplicate detection need are kept in
    compact arrays (not the texts), so memory stays bounded by one batch."""

    def __init__(self, mapping: Mapping, writer: Any) -> None:
        self.mapping, self.writer = mapping, writer
        self.fields = list(dict.fromkeys(template_fields(mapping.input_template)))
        self.label_map = {str(k).strip(): str(v).strip() for k, v in mapping.label_map.items()} or None
        self.problems = _Collector()
        self.hashes, self.words = array("q"), array("l")
        self.target_ids, self.split_ids = array("l"), array("b")
        self.file_ids, self.rows_at = array("l"), array("q")
        self.target_index: dict[str, int] = {}
        self.total = 0

    def wanted_columns(self) -> list[str]:
        split = [self.mapping.split_column] if self.mapping.split_mode == SplitMode.COLUMN else []
        return list(dict.fromkeys(self.fields + [self.mapping.label_column] + split))

    def add_batch(self, src_no: int, src: SourceFile, rownos: list[int], batch: dict[str, list[str]]) -> None:
        """Check a batch of raw rows; keep them when nothing is wrong so far."""
        if not rownos:
            return
        formatted = self._format(src, rownos, batch)
        if formatted is None:
            return
        inputs, targets = formatted
        splits = self._splits(src, rownos, batch)
        if splits is None:
            return
        for i, (text, target) in enumerate(zip(inputs, targets)):
            self.hashes.append(int.from_bytes(hashlib.blake2b(text.strip().encode(), digest_size=8).digest(),
                                              "little", signed=True))
            self.words.append(len(text.split()))
            self.target_ids.append(self.target_index.setdefault(target, len(self.target_index)))
            self.split_ids.append(splits[i])
            self.file_ids.append(src_no)
            self.rows_at.append(rownos[i])
        self.writer.write_batch(pa_record_batch(inputs, targets, batch[self.mapping.label_column], rownos))
        self.total += len(rownos)

    def _format(self, src: SourceFile, rownos: list[int], batch: dict[str, list[str]]) -> tuple[list[str], list[str]] | None:
        import datasets

        try:
            out = format_examples(datasets.Dataset.from_dict(batch), input_template=self.mapping.input_template,
                                  target_column=self.mapping.label_column, label_map=self.label_map, file=src.name)
        except DataError as exc:
            for p in exc.problems:
                # format_examples numbers the batch's rows; the user wants the file's lines.
                where = locate(src.format, rownos[p.row - 1]) if p.row else Position()
                message = "The label is missing (empty)" if p.code == ProblemCode.EMPTY_TARGET else p.message
                self.problems.add(replace(p, message=message, row=where.get("row"), line=where.get("line")))
            return None
        # Whole columns at once: indexing a datasets column row by row costs ~50 µs a row.
        inputs = out.data.column("input_text").to_pylist()
        for i, text in enumerate(inputs):
            if not text.strip():
                self.problems.add(DataProblem("The input is empty", file=src.name, column=", ".join(self.fields),
                                              code=ProblemCode.EMPTY_INPUT, **locate(src.format, rownos[i])))
        if self.problems.errors:
            return None  # nothing will be kept: skip the work
        return inputs, out.data.column("target_text").to_pylist()

    def _splits(self, src: SourceFile, rownos: list[int], batch: dict[str, list[str]]) -> list[int] | None:
        if self.mapping.split_mode != SplitMode.COLUMN:
            # A file's role, or 0 until the automatic split assigns one.
            return [SPLITS.index(src.role) if src.role in SPLITS else 0] * len(rownos)
        splits = [_split_of(src, v, rownos[i], self.problems)
                  for i, v in enumerate(batch[self.mapping.split_column])]
        return None if self.problems.errors else splits

    def read(self, sources: Sequence[SourceFile], on_progress: ProgressCallback | None) -> None:
        wanted = self.wanted_columns()
        for src_no, src in enumerate(sources):
            read_problems: list[DataProblem] = []
            rownos: list[int] = []
            batch: dict[str, list[str]] = {c: [] for c in wanted}
            for seen, (position, obj) in enumerate(iter_rows(src.path, src.format, src.name, read_problems), 1):
                rownos.append(position)
                for c in wanted:
                    batch[c].append(cell_text(obj.get(c)))
                if len(rownos) >= BATCH_ROWS:
                    self.add_batch(src_no, src, rownos, batch)
                    rownos, batch = [], {c: [] for c in wanted}
                    if on_progress:
                        on_progress(f"Checked {seen:,} rows of {src.name}")
                    if self.problems.full:
                        break
            self.add_batch(src_no, src, rownos, batch)
            for p in read_problems:
                self.problems.add(p)
            if self.problems.full:
                return

    def duplicate_warning(self, sources: Sequence[SourceFile]) -> tuple[int, DataProblem | None]:
        """How many rows repeat an earlier row's input, and a warning showing one of them."""
        dupes = duplicate_rows(np.asarray(self.hashes, dtype=np.int64))
        if not dupes:
            return 0, None
        first, earlier = dupes[0]
        earlier_src, first_src = sources[self.file_ids[earlier]], sources[self.file_ids[first]]
        earlier_place = DataProblem("", file=earlier_src.name,
                                    **locate(earlier_src.format, int(self.rows_at[earlier])))
        return len(dupes), DataProblem(
            f"{len(dupes):,} row(s) repeat the input of an earlier row (for example this row repeats "
            f"{earlier_place.place})",
            file=first_src.name, severity="warning", **locate(first_src.format, int(self.rows_at[first])))


def row_schema() -> Any:
    """The processed rows: what the dataset's splits hold."""
    import pyarrow as pa

    return pa.schema([("input_text", pa.string()), ("target_text", pa.string()),
                      ("raw_label", pa.string()), ("source_row", pa.int64())])


def pa_record_batch(inputs: list[str], targets: list[str], raw_labels: list[str], rownos: list[int]) -> Any:
    import pyarrow as pa

    return pa.record_batch([pa.array(inputs, pa.string()), pa.array(targets, pa.string()),
                            pa.array(raw_labels, pa.string()), pa.array(rownos, pa.int64())], schema=row_schema())


def _check_label_count(labels: list[str], mapping: Mapping, sources: Sequence[SourceFile]) -> None:
    if mapping.task_kind != TaskKind.CLASSIFICATION:
        return
    file = sources[0].name if len(sources) == 1 else None
    if len(labels) < 2:
        only = f" ({labels[0]!r})" if labels else ""
        raise DataError(DataProblem(
            f"Every row has the same label{only}: classification needs at least two classes",
            file=file, column=mapping.label_column))
    if len(labels) > MAX_CLASSES:
        raise DataError(DataProblem(
            f"{len(labels):,} distinct labels: too many classes for classification (at most {MAX_CLASSES}); "
            "map labels to fewer label words, or choose free-text generation",
            file=file, column=mapping.label_column))


def _assign_splits(run: _Pass, mapping: Mapping, target_ids: np.ndarray) -> np.ndarray:
    sids = np.asarray(run.split_ids, dtype=np.int8)
    if mapping.split_mode == SplitMode.AUTO:
        by = target_ids if mapping.task_kind == TaskKind.CLASSIFICATION else np.zeros(len(target_ids), np.int64)
        sids = stratified_split(by, mapping.validation_ratio, mapping.test_ratio, mapping.seed)
    if not (sids == 0).any():
        raise DataError(DataProblem(
            "No rows end up in the train split; lower the validation and test shares or add train rows",
            column=mapping.split_column or None))
    return sids


def _write_splits(
    all_path: Path, out_dir: Path, sids: np.ndarray, target_ids: np.ndarray, labels: list[str],
    task_kind: str, on_progress: ProgressCallback | None,
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Write each split's rows; (rows per split, label counts per split for classification)."""
    import datasets
    from datasets.utils import disable_progress_bars

    disable_progress_bars()  # a worker's log is no terminal; progress goes to the page instead
    ds = datasets.Dataset.from_file(str(all_path))
    split_counts: dict[str, int] = {}
    by_split: dict[str, dict[str, int]] = {}
    for k, split in enumerate(SPLITS):
        idx = np.flatnonzero(sids == k)
        if len(idx) == 0:
            continue
        if on_progress:
            on_progress(f"Writing the {split} split ({len(idx):,} rows)")
        ds.select(idx).save_to_disk(str(out_dir / "splits" / split))
        split_counts[split] = len(idx)
        if task_kind == TaskKind.CLASSIFICATION:
            counts = np.bincount(target_ids[idx], minlength=len(labels))
            by_split[split] = {labels[i]: int(counts[i]) for i in np.argsort(labels) if counts[i]}
    del ds
    all_path.unlink()
    return split_counts, by_split


def process_files(
    sources: Sequence[SourceFile],
    mapping: Mapping,
    out_dir: Path,
    on_progress: ProgressCallback | None = None,
) -> ProcessResult:
    """Validate every row, split, and write `out_dir/splits/<split>/` (input_text, target_text,
    raw_label, source_row). Raises DataError listing every error (and the warnings) found."""
    import pyarrow as pa

    out_dir.mkdir(parents=True, exist_ok=True)
    all_path = out_dir / "all.arrow"
    with pa.OSFile(str(all_path), "wb") as sink, pa.ipc.new_stream(sink, row_schema()) as writer:
        run = _Pass(mapping, writer)
        run.read(sources, on_progress)
    if run.problems.errors:
        raise DataError(run.problems.errors + run.problems.warnings)
    if on_progress:
        on_progress(f"Checked all {run.total:,} rows; splitting")

    labels = sorted(run.target_index, key=lambda t: run.target_index[t])
    target_ids = np.asarray(run.target_ids, dtype=np.int64)
    _check_label_count(labels, mapping, sources)
    sids = _assign_splits(run, mapping, target_ids)
    split_counts, by_split = _write_splits(all_path, out_dir, sids, target_ids, labels, mapping.task_kind,
                                           on_progress)

    duplicates, duplicate_warning = run.duplicate_warning(sources)
    split_checks = [w for w in (label_shift_warning(by_split),
                                cross_split_warning(np.asarray(run.hashes, dtype=np.int64), sids)) if w]
    is_cls = mapping.task_kind == TaskKind.CLASSIFICATION
    total_counts = np.bincount(target_ids, minlength=len(labels))
    return ProcessResult(
        task_kind=mapping.task_kind,
        split_counts=split_counts,
        labels=sorted(labels) if is_cls else [],
        label_counts={labels[i]: int(total_counts[i]) for i in np.argsort(labels)} if is_cls else {},
        stats={
            "rows": run.total,
            "label_counts_by_split": by_split,
            "word_lengths": histogram(np.asarray(run.words, dtype=np.int64)),
            "duplicates": duplicates,
            "distinct_targets": len(labels),
        },
        warnings=([duplicate_warning] if duplicate_warning else []) + split_checks + list(run.problems.warnings),
    )


# Two splits whose label shares differ by more than this are told apart on the dataset page.
LABEL_SHIFT_POINTS = 0.15


def label_shift_warning(by_split: dict[str, dict[str, int]]) -> DataProblem | None:
    """The label whose share differs most between train and another split, when it differs by
    over LABEL_SHIFT_POINTS: scores on that split then measure another balance of classes."""
    train = by_split.get("train") or {}
    train_rows = sum(train.values())
    worst: tuple[float, str, str, float, float] | None = None
    for split in ("validation", "test"):
        other = by_split.get(split) or {}
        other_rows = sum(other.values())
        if not train_rows or not other_rows:
            continue
        # The label rarest in train first: on a tie it is the one named ("spam is 15% of train").
        for label in sorted(set(train) | set(other), key=lambda name: (train.get(name, 0), name)):
            a, b = train.get(label, 0) / train_rows, other.get(label, 0) / other_rows
            if worst is None or abs(a - b) > worst[0]:
                worst = (abs(a - b), label, split, a, b)
    if worst is None or worst[0] <= LABEL_SHIFT_POINTS:
        return None
    _, label, split, a, b = worst
    return DataProblem(
        f"The label shares differ between splits: {label!r} is {a:.0%} of train and {b:.0%} of {split}. "
        f"Scores on {split} measure another balance of classes than training saw; re-split automatically "
        "(stratified) if that is not intended", severity="warning")


def cross_split_warning(hashes: np.ndarray, split_ids: np.ndarray) -> DataProblem | None:
    """Rows of validation or test whose input (trimmed) is also a training input, or a test input
    also in validation: their scores measure memory, not generalisation."""
    train = set(hashes[split_ids == 0].tolist())
    validation = set(hashes[split_ids == 1].tolist())
    seen = {"validation": sum(1 for h in hashes[split_ids == 1].tolist() if h in train),
            "test": sum(1 for h in hashes[split_ids == 2].tolist() if h in train or h in validation)}
    parts = [f"{n:,} {split} row{'s' if n != 1 else ''}" for split, n in seen.items() if n]
    if not parts:
        return None
    verb = "repeats" if sum(seen.values()) == 1 else "repeat"
    return DataProblem(
        f"{' and '.join(parts)} {verb} an input of an earlier split (test is checked against train and "
        "validation, validation against train): their scores measure memory, not generalisation. Remove "
        "the repeats from the later split to score unseen inputs only", severity="warning")


def _split_of(src: SourceFile, value: str, row: int, problems: _Collector) -> int:
    """The split id of a row: its file's role, or (split column mode) the column's value."""
    if src.role in SPLITS:
        return SPLITS.index(src.role)
    split = SPLIT_ALIASES.get(value.strip().lower())
    if split is None:
        problems.add(DataProblem(
            f"Unknown split {value!r}; use train, validation or test", file=src.name, **locate(src.format, row)))
        return 0
    return SPLITS.index(split)


def stratified_split(label_ids: np.ndarray, validation_ratio: float, test_ratio: float, seed: int) -> np.ndarray:
    """A split id per row (0 train, 1 validation, 2 test), drawn per label so each split keeps the
    label proportions; a pure function of the labels and the seed."""
    rng = np.random.default_rng(seed)
    out = np.zeros(len(label_ids), dtype=np.int8)
    for label in np.unique(label_ids):
        idx = np.flatnonzero(label_ids == label)
        idx = idx[rng.permutation(len(idx))]
        n_val = round(len(idx) * validation_ratio)
        n_test = round(len(idx) * test_ratio)
        out[idx[:n_val]] = 1
        out[idx[n_val: n_val + n_test]] = 2
    return out


def duplicate_rows(hashes: np.ndarray) -> list[tuple[int, int]]:
    """(row index, index of the earlier row with the same input) for every repeated input."""
    if len(hashes) == 0:
        return []
    _, first_index, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    earlier = first_index[inverse]
    repeats = np.flatnonzero(earlier != np.arange(len(hashes)))
    return [(int(i), int(earlier[i])) for i in repeats]


def histogram(values: np.ndarray, bins: int = HISTOGRAM_BINS) -> dict[str, Any]:
    """Integer-width bins from 0 to the maximum: {"edges": [...bins+1], "counts": [...bins]}."""
    if len(values) == 0:
        return {"edges": [0, 1], "counts": [0], "max": 0, "mean": 0.0, "p95": 0}
    top = int(values.max())
    width = max(1, -(-(top + 1) // bins))
    edges = list(range(0, width * bins + 1, width))
    counts, _ = np.histogram(values, bins=edges)
    while len(counts) > 1 and counts[-1] == 0:
        counts = counts[:-1]
        edges = edges[:-1]
    return {"edges": edges, "counts": [int(c) for c in counts], "max": top,
            "mean": round(float(values.mean()), 1), "p95": int(np.percentile(values, 95))}


def detect_task_kind(distinct_values: Sequence[str] | None, rows: int) -> str:
    """The task kind `tuning_core.task` decides for a label column's distinct values; `None`
    means more values than the scan kept."""
    return task_kind_of(distinct_values, rows).value
