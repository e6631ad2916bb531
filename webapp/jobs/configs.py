"""What each kind of job is asked to do, typed: a training job's is the engine's TrainConfig; an
evaluation's and an ensemble evaluation's are below. Each is stored in `TuningJob.train_config`
as a dict (`to_dict`) and read back with `TuningJob.config()`, so the launcher, the worker and
the pages read one shape."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from tuning_core.config import ScoringOptions


@dataclass(frozen=True)
class Scoring:
    """How a prompt is scored: the lengths and precision it was trained with."""

    max_input_length: int
    max_target_length: int
    precision: str = "auto"

    def options(self) -> ScoringOptions:
        return ScoringOptions(max_input_length=self.max_input_length, max_target_length=self.max_target_length,
                              precision=self.precision)

    @classmethod
    def of(cls, data: dict[str, Any]) -> Scoring:
        return cls(int(data["max_input_length"]), int(data["max_target_length"]), str(data.get("precision", "auto")))


@dataclass(frozen=True)
class EvaluationConfig:
    """One version scored on one dataset split."""

    split: str
    mode: str  # rank or generate
    label_words: list[str]
    scoring: Scoring

    def to_dict(self) -> dict[str, Any]:
        return {"split": self.split, "mode": self.mode, "label_words": list(self.label_words), **asdict(self.scoring)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvaluationConfig:
        return cls(split=data["split"], mode=data["mode"], label_words=list(data.get("label_words") or []),
                   scoring=Scoring.of(data))


@dataclass(frozen=True)
class EnsembleEvaluationConfig:
    """An ensemble's members scored together on one or more splits of a dataset, then voted."""

    ensemble_id: int
    revision: int
    member_ids: list[int]
    voting: str
    splits: list[str]
    label_words: list[str]
    member_scoring: list[Scoring] = field(default_factory=list)  # one per member, in member order

    def to_dict(self) -> dict[str, Any]:
        longest = max(self.member_scoring, key=lambda s: s.max_input_length) if self.member_scoring else None
        return {
            "ensemble_id": self.ensemble_id, "revision": self.revision, "member_ids": list(self.member_ids),
            "voting": self.voting, "splits": list(self.splits), "split": ", ".join(self.splits), "mode": "rank",
            "label_words": list(self.label_words), "member_scoring": [asdict(s) for s in self.member_scoring],
            # What pages show as the job's own settings: the longest member's.
            **(asdict(longest) if longest else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EnsembleEvaluationConfig:
        members = [Scoring.of(s) for s in data.get("member_scoring") or []]
        if not members:  # queued before members had their own: every member as the job's settings
            members = [Scoring.of(data)] * len(data["member_ids"])
        return cls(ensemble_id=int(data["ensemble_id"]), revision=int(data["revision"]),
                   member_ids=[int(pk) for pk in data["member_ids"]], voting=data["voting"],
                   splits=list(data["splits"]), label_words=list(data["label_words"]), member_scoring=members)

    def options(self) -> list[ScoringOptions]:
        return [s.options() for s in self.member_scoring]
