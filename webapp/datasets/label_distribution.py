"""Each split's label distribution as the mapping page shows it, from the upload's scan.

Nothing is read again: the scan counted every column's values (up to `DISTINCT_CAP` of them) and,
for a column holding only split names, the values within each split. So the page can say before
processing what the dataset page says after it, and warn about label shift in the same words.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tuning_core.errors import DataProblem
from webapp.datasets.models import SPLITS, SplitMode, Upload
from webapp.datasets.processing import label_shift_warning
from webapp.datasets.reading import DISTINCT_CAP, SPLIT_ALIASES
from webapp.datasets.token_lengths import share_text

# Labels listed by name; the rest are summed into one "other" row so a 150-class column stays readable.
SHOWN_LABELS = 12


@dataclass(frozen=True)
class LabelDistribution:
    column: str
    splits: list[str] = field(default_factory=list)  # column heads: split names, or "whole file"
    counts: dict[str, Counter[str]] = field(default_factory=dict)  # split -> label -> rows
    note: str = ""  # how the splits come about, when it matters for reading the table
    unavailable: str = ""  # why there is no table
    warning: DataProblem | None = None

    def totals(self) -> list[int]:
        return [sum(self.counts[s].values()) for s in self.splits]

    def rows(self) -> list[tuple[str, list[tuple[int, str]]]]:
        """(label, [(rows, share of the split as text)] per split), most frequent first, the tail summed."""
        overall: Counter[str] = Counter()
        for counts in self.counts.values():
            overall.update(counts)
        ranked = [label for label, _ in overall.most_common()]
        shown, rest = ranked[:SHOWN_LABELS], ranked[SHOWN_LABELS:]
        totals = self.totals()
        rows = [(label, [self._cell(self.counts[s][label], t) for s, t in zip(self.splits, totals, strict=True)])
                for label in shown]
        if rest:
            rows.append((f"{len(rest)} other labels",
                         [self._cell(sum(self.counts[s][label] for label in rest), t)
                          for s, t in zip(self.splits, totals, strict=True)]))
        return rows

    @staticmethod
    def _cell(rows: int, total: int) -> tuple[int, str]:
        return rows, share_text(rows / total if total else 0.0)


def label_distribution(upload: Upload, label_column: str, split_mode: str, split_column: str) -> LabelDistribution:
    """The label column's counts per split as the chosen mapping would split the upload."""
    found = _distribution(upload, label_column, split_mode, split_column)
    if found.splits and not any(found.totals()):
        return LabelDistribution(label_column, unavailable=(
            "This upload was checked before label counts were kept; upload the file again to see them."))
    return found


def _distribution(upload: Upload, label_column: str, split_mode: str, split_column: str) -> LabelDistribution:
    if label_column not in upload.columns:
        return LabelDistribution(label_column, unavailable="Choose a label column to see its labels per split.")
    if any(f.scan.distinct(label_column) is None for f in upload.staged_files):
        return LabelDistribution(label_column, unavailable=(
            f"{label_column!r} has more than {DISTINCT_CAP} distinct values: free text, such as a generation "
            "target, has no label distribution (the dataset page shows its lengths once the dataset is made)."))
    if not upload.single_file:
        counts = {f.role: Counter(f.scan.counts[label_column]) for f in upload.staged_files}
        return _by_split(label_column, counts, note="")
    scan = upload.first.scan
    if split_mode == SplitMode.COLUMN:
        return _by_split_column(label_column, split_column, scan.by_split)
    return LabelDistribution(
        label_column, splits=["whole file"], counts={"whole file": Counter(scan.counts[label_column])},
        note="Automatic splits are stratified by label: train, validation and test each keep these shares.")


def _by_split_column(label_column: str, split_column: str,
                     by_split: dict[str, dict[str, dict[str, dict[str, int]]]]) -> LabelDistribution:
    if not split_column:
        return LabelDistribution(label_column, unavailable="Choose the split column to see each split's labels.")
    if split_column not in by_split:
        return LabelDistribution(label_column, unavailable=(
            f"{split_column!r} holds values other than train, validation and test, so it cannot split the rows."))
    if split_column == label_column:
        return LabelDistribution(label_column, unavailable="The split column cannot also be the label column.")
    counts: dict[str, Counter[str]] = {}
    for value, within in by_split[split_column].items():
        counts.setdefault(SPLIT_ALIASES[value.lower()], Counter()).update(within.get(label_column, {}))
    return _by_split(label_column, counts, note=f"Rows split by the column {split_column!r}.")


def _by_split(label_column: str, counts: dict[str, Counter[str]], note: str) -> LabelDistribution:
    splits = [s for s in SPLITS if s in counts]
    shares = {s: dict(counts[s]) for s in splits}
    return LabelDistribution(label_column, splits=splits, counts={s: counts[s] for s in splits}, note=note,
                             warning=label_shift_warning(shares))
