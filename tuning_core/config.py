"""Configuration of a prompt and of a training run.

Frozen dataclasses whose defaults are the paper's recipe (Lester et al., 2021), each with its reason.
`__post_init__` refuses values and combinations that cannot work, with a message naming the field.
Both convert to and from plain dicts so the web app can keep them as JSON.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from dataclasses import dataclass
from enum import Enum
from typing import Any, Self

from tuning_core.errors import ConfigError

# The paper sweeps p up to 150; we allow far longer prompts for experiments. The encoder sees
# p + n positions, so memory grows linearly with p.
MAX_PROMPT_LENGTH = 2048


class InitMethod(str, Enum):
    """How the prompt matrix starts (section 3.1 of the paper)."""

    RANDOM = "random"  # uniform in [-0.5, 0.5]
    VOCAB = "vocab"  # embeddings of tokens sampled from the 5,000 most common ones
    CLASS_LABELS = "class_labels"  # label words' embeddings first, the rest as `vocab`
    FROM_FILE = "from_file"  # an existing prompt: continue training, or transfer to a new task


class EvalMode(str, Enum):
    """How a validation split is scored during training."""

    AUTO = "auto"  # rank when the targets form a small label set, generate otherwise
    RANK = "rank"  # rank classification: argmax of each label's log-likelihood -> accuracy
    GENERATE = "generate"  # greedy decoding -> exact match


class OptimizerName(str, Enum):
    """Which Adafactor updates the prompt."""

    # t5x's, as the paper's code runs it: weight decay not scaled by lr, second moment factored
    # only when both dimensions are >= 128 (so a prompt of < 128 tokens gets a full one).
    ADAFACTOR = "adafactor"
    # transformers.optimization.Adafactor with the paper's arguments: decay scaled by lr, every
    # matrix factored. What PEFT users run; kept for comparisons.
    HF_ADAFACTOR = "hf-adafactor"


class Precision(str, Enum):
    """The arithmetic of the frozen model's forward and backward passes.

    The prompt, its gradient and the optimizer state stay float32 whatever the choice; bf16 only
    autocasts the frozen model's matrix products. T5 overflows in fp16, so there is no fp16.
    """

    AUTO = "auto"  # bf16 where the device computes it natively (CUDA, CPUs with AVX512-BF16/AMX)
    FP32 = "fp32"
    BF16 = "bf16"  # even where it is emulated (slower than fp32 on such CPUs)


class _DictMixin:
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible dict (enums as their values, tuples as lists)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, Enum):
                value = value.value
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Inverse of `to_dict`; unknown keys are refused (a typo must not silently become a default)."""
        if not isinstance(data, dict):
            raise ConfigError(
                f"{cls.__name__} must be given as a mapping, not {type(data).__name__}"
            )
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        unknown = [k for k in data if k not in names]
        if unknown:
            hints = []
            for key in unknown:
                close = difflib.get_close_matches(key, names, n=1)
                hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            raise ConfigError(f"Unknown {cls.__name__} field(s): {', '.join(hints)}")
        try:
            return cls(**data)
        except TypeError as exc:  # e.g. a value of a type that cannot be compared
            raise ConfigError(f"Invalid {cls.__name__}: {exc}") from exc


def _enum(enum_cls: type[Enum], value: Any, field: str) -> Any:
    try:
        return enum_cls(value)
    except ValueError:
        choices = ", ".join(m.value for m in enum_cls)  # type: ignore[attr-defined]
        raise ConfigError(f"{field} must be one of {choices}; got {value!r}") from None


def _int(value: Any, field: str, *, low: int | None = None, high: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{field} must be a whole number; got {value!r}")
    if low is not None and value < low:
        raise ConfigError(f"{field} must be at least {low}; got {value}")
    if high is not None and value > high:
        raise ConfigError(f"{field} must be at most {high}; got {value}")


def _float(
    value: Any, field: str, *, low: float, high: float | None = None, low_open: bool = False
) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ConfigError(f"{field} must be a number; got {value!r}")
    if value < low or (low_open and value == low):
        raise ConfigError(
            f"{field} must be {'above' if low_open else 'at least'} {low}; got {value}"
        )
    if high is not None and value > high:
        raise ConfigError(f"{field} must be at most {high}; got {value}")


@dataclass(frozen=True)
class PromptConfig(_DictMixin):
    """The soft prompt: its length and how it starts.

    `label_words` are the verbalised labels ("positive", "negative"); `class_labels` puts their
    embeddings in the first rows, so it needs them. `from_file` needs `init_from` (a prompt file).
    """

    # 100 is the paper's default; gains flatten above ~20 tokens, and p=1..5 already works at XXL.
    prompt_length: int = 100
    # Class-label init was the best of the three in the paper's ablation (Figure 3b).
    init: InitMethod = InitMethod.CLASS_LABELS
    init_from: str | None = None
    label_words: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _int(self.prompt_length, "prompt_length", low=1, high=MAX_PROMPT_LENGTH)
        object.__setattr__(self, "init", _enum(InitMethod, self.init, "init"))
        if isinstance(self.label_words, str):
            raise ConfigError("label_words must be a list of words, not a single string")
        words = tuple(self.label_words)
        if any(not isinstance(w, str) or not w.strip() for w in words):
            raise ConfigError("label_words must be non-empty strings")
        if len(set(words)) != len(words):
            raise ConfigError(f"label_words contain duplicates: {list(words)}")
        object.__setattr__(self, "label_words", words)
        if self.init is InitMethod.CLASS_LABELS:
            if not words:
                raise ConfigError(
                    "init 'class_labels' needs the task's label words (e.g. positive, negative); "
                    "give label_words, or choose init 'vocab' for a generation task"
                )
            if len(words) > self.prompt_length:
                raise ConfigError(
                    f"init 'class_labels' puts one label per prompt token, but there are {len(words)} "
                    f"labels and only {self.prompt_length} prompt tokens; use a longer prompt"
                )
        if self.init is InitMethod.FROM_FILE and not self.init_from:
            raise ConfigError("init 'from_file' needs init_from: the path of a prompt file")
        if self.init_from and self.init is not InitMethod.FROM_FILE:
            raise ConfigError(
                f"init_from is set but init is {self.init.value!r}; set init to 'from_file' "
                "to start from that prompt, or remove init_from"
            )


@dataclass(frozen=True)
class TrainConfig(_DictMixin):
    """The training recipe. Defaults are the paper's (section 3 and appendix A)."""

    # Adafactor with a constant lr of 0.3: prompts need a far larger step than model weights.
    learning_rate: float = 0.3
    # Per step, p <- (1 - weight_decay) p - update (t5x); hf-adafactor multiplies it by the lr.
    weight_decay: float = 1e-5
    optimizer: OptimizerName = OptimizerName.ADAFACTOR
    # Adafactor's second-moment decay exponent, beta2_t = 1 - t**-0.8 (transformers' `decay_rate=-0.8`).
    decay_rate: float = 0.8
    # Examples per optimizer step (the paper's 32), whatever the accumulation below.
    batch_size: int = 32
    # Split each batch into this many micro-batches to save memory; the gradient is unchanged.
    grad_accum_steps: int = 1
    # The paper trains for 30,000 steps and keeps the best checkpoint.
    max_steps: int = 30_000
    # Validate (and checkpoint) every this many steps; the paper evaluates every 1,000.
    eval_every: int = 1_000
    # Stop after this many evaluations without improvement; None trains to max_steps.
    patience: int | None = None
    # Input tokens kept (the prompt comes on top); longer rows are truncated and counted.
    max_input_length: int = 256
    # Label words and short answers are a few tokens.
    max_target_length: int = 16
    seed: int = 0
    # None keeps the model's own dropout (0.1 for T5 checkpoints, as in the paper).
    dropout: float | None = None
    # Dropout on attention probabilities too, as T5 (and the paper) does. Off keeps dropout on
    # the layers' outputs and saves about half of what dropout adds to a step.
    attention_dropout: bool = True
    shuffle: bool = True
    # Batches of similar length waste less compute on padding.
    group_by_length: bool = True
    # Emit a "step" progress event (and a metrics line) every this many steps.
    log_every: int = 10
    eval_mode: EvalMode = EvalMode.AUTO
    # Rows per forward pass when evaluating (no gradients, so larger than training batches).
    eval_batch_size: int = 64
    # Evaluate during training on a fixed, stratified sample of this many validation rows (None:
    # the whole split). One evaluation of 1,360 rows cost as much as 17 training steps; 512 rows
    # keep the choice of the best step while the final prompt is scored on the full splits.
    eval_sample: int | None = 512
    # bf16 autocast halves a step's time on CPUs with AMX / AVX512-BF16 and keeps the loss curve
    # (within 1% over 200 steps on the tiny model); auto uses it exactly where it is native.
    precision: Precision = Precision.AUTO

    def __post_init__(self) -> None:
        _float(self.learning_rate, "learning_rate", low=0.0, low_open=True, high=100.0)
        _float(self.weight_decay, "weight_decay", low=0.0, high=1.0)
        object.__setattr__(
            self, "optimizer", _enum(OptimizerName, self.optimizer, "optimizer")
        )
        _float(self.decay_rate, "decay_rate", low=0.0, low_open=True, high=1.0)
        _int(self.batch_size, "batch_size", low=1, high=65_536)
        _int(self.grad_accum_steps, "grad_accum_steps", low=1)
        if self.grad_accum_steps > self.batch_size:
            raise ConfigError(
                f"grad_accum_steps ({self.grad_accum_steps}) cannot exceed batch_size "
                f"({self.batch_size}): each micro-batch needs at least one example"
            )
        _int(self.max_steps, "max_steps", low=1)
        _int(self.eval_every, "eval_every", low=1)
        if self.patience is not None:
            _int(self.patience, "patience", low=1)
        _int(self.max_input_length, "max_input_length", low=2, high=65_536)
        _int(self.max_target_length, "max_target_length", low=2, high=65_536)
        _int(self.seed, "seed", low=0, high=2**63 - 1)
        if self.dropout is not None:
            _float(self.dropout, "dropout", low=0.0, high=0.9)
        for name in ("shuffle", "group_by_length", "attention_dropout"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be true or false; got {getattr(self, name)!r}")
        _int(self.log_every, "log_every", low=1)
        object.__setattr__(self, "eval_mode", _enum(EvalMode, self.eval_mode, "eval_mode"))
        _int(self.eval_batch_size, "eval_batch_size", low=1)
        if self.eval_sample is not None:
            _int(self.eval_sample, "eval_sample", low=1)
        object.__setattr__(self, "precision", _enum(Precision, self.precision, "precision"))


@dataclass(frozen=True)
class ScoringOptions:
    """How a prompt scores data outside training: rows per forward pass, the token lengths
    inputs and targets are cut to, and the precision. One set of defaults for evaluation,
    ensembles and serving; `of_training` scores a prompt as it was trained."""

    batch_size: int = 64
    max_input_length: int = 256
    max_target_length: int = 16
    precision: Precision | str = Precision.AUTO

    @classmethod
    def of_training(cls, config: TrainConfig) -> ScoringOptions:
        return cls(batch_size=config.eval_batch_size, max_input_length=config.max_input_length,
                   max_target_length=config.max_target_length, precision=config.precision)


DEFAULT_SCORING = ScoringOptions()  # immutable: safe as every signature's default
