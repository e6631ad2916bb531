"""An evaluation's and an ensemble evaluation's settings are typed: what the launcher writes is
what the worker reads, and a job queued before members had their own settings still reads."""

from __future__ import annotations

from tuning_core.config import ScoringOptions
from webapp.jobs.configs import EnsembleEvaluationConfig, EvaluationConfig, Scoring


def test_an_evaluation_config_round_trips() -> None:
    config = EvaluationConfig(split="test", mode="rank", label_words=["no", "yes"], scoring=Scoring(128, 8, "fp32"))
    stored = config.to_dict()
    assert stored == {"split": "test", "mode": "rank", "label_words": ["no", "yes"], "max_input_length": 128,
                      "max_target_length": 8, "precision": "fp32"}
    assert EvaluationConfig.from_dict(stored) == config
    assert config.scoring.options() == ScoringOptions(max_input_length=128, max_target_length=8, precision="fp32")


def test_an_ensemble_config_keeps_each_member_s_scoring() -> None:
    config = EnsembleEvaluationConfig(ensemble_id=3, revision=2, member_ids=[7, 9], voting="soft", splits=["test"],
                                      label_words=["no", "yes"], member_scoring=[Scoring(64, 8), Scoring(256, 8)])
    stored = config.to_dict()
    assert (stored["split"], stored["max_input_length"]) == ("test", 256)  # pages show the longest
    assert EnsembleEvaluationConfig.from_dict(stored) == config
    assert [o.max_input_length for o in config.options()] == [64, 256]


def test_a_job_queued_before_members_had_their_own_settings_still_reads() -> None:
    old = {"ensemble_id": 3, "revision": 1, "member_ids": [7, 9], "voting": "majority", "splits": ["validation"],
           "label_words": ["no", "yes"], "max_input_length": 256, "max_target_length": 16, "precision": "auto"}
    assert [o.max_input_length for o in EnsembleEvaluationConfig.from_dict(old).options()] == [256, 256]
