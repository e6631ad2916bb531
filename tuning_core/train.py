"""Training a soft prompt on a frozen T5 with the paper's recipe.

Loss: mean token cross-entropy over the target tokens of the whole batch (what T5 computes with
`labels`); with gradient accumulation each micro-batch's summed loss is divided by the batch's
token count, so the gradient equals the unaccumulated one.

Exact resumption. Batch order is a pure function of (seed, epoch), dropout draws from torch's
global generator, whose state is saved, and validation runs with that state set aside. A
checkpoint written at an evaluation therefore holds everything that determines the rest of the
run: prompt, Adafactor state, step, data position, RNG states, best prompt, patience counter and
the loss history. Resuming reproduces the uninterrupted run bit for bit on the same hardware.
"""

from __future__ import annotations

import hashlib
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, TypedDict, Unpack

import torch
from torch import Tensor

from tuning_core.adafactor import T5xAdafactor
from tuning_core.batches import collate, epoch_batches
from tuning_core.config import OptimizerName, Precision, PromptConfig, TrainConfig
from tuning_core.data import TokenizedData, as_text_dataset, select_rows, stratified_sample, tokenize
from tuning_core.errors import ConfigError, DataError, DataProblem, NonFiniteLossError
from tuning_core.evaluate import EvalResult, evaluate_tokenized, resolve_labels
from tuning_core.fingerprint import differences, run_fingerprint
from tuning_core.metrics import scalar_metrics
from tuning_core.model import (
    FrozenT5,
    SoftPrompt,
    dropout_override,
    prompted_forward,
    resolve_precision,
    shift_right,
    target_nll,
)
from tuning_core.prompt_init import init_prompt
from tuning_core.task import headline_metric_for, resolve

CHECKPOINT_FILE = "checkpoint.pt"
CHECKPOINT_VERSION = 2  # 2: t5x Adafactor state, fingerprint with model/data hashes
StopReason = Literal["max_steps", "early_stopping", "cancelled"]


@dataclass(frozen=True)
class ProgressEvent:
    """What `on_progress` receives: a logged training step, or an evaluation."""

    kind: Literal["step", "eval"]
    step: int
    total_steps: int
    loss: float | None  # mean training loss since the previous step event
    learning_rate: float
    metrics: dict[str, float]  # validation metrics (eval events); empty for step events
    elapsed_seconds: float
    examples_seen: int
    is_best: bool = False  # eval events: this evaluation is the best so far

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class TrainResult:
    """The outcome of `train`. `prompt` is the best prompt ((p, d) float32 on CPU), or the last one
    when no evaluation happened."""

    prompt: Tensor
    best_step: int | None
    best_metrics: dict[str, float]
    steps_completed: int
    stopped_reason: StopReason
    evaluated: bool
    metric_name: str | None  # what "best" means: accuracy (rank) or exact_match (generate)
    eval_mode: str | None
    label_words: list[str] | None
    train_losses: list[float]  # one per step, step i at index i-1
    evaluations: list[dict[str, Any]]  # {"step": ..., **metrics}
    truncated_train_rows: int
    truncated_validation_rows: int
    truncated_train_targets: int  # training targets longer than max_target_length, cut
    resumed_from_step: int | None
    elapsed_seconds: float
    last_prompt: Tensor | None = field(default=None, repr=False)
    # Validation rows scored by each in-training evaluation when a sample (eval_sample) was used;
    # None when they scored the whole split. Score the returned prompt on the full split then.
    eval_sample_rows: int | None = None
    # The arithmetic the run used: "fp32" or "bf16" (what precision "auto" resolved to).
    precision: str = "fp32"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (without the tensors)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("prompt", "last_prompt")}


def make_optimizer(params: list[torch.nn.Parameter], config: TrainConfig) -> torch.optim.Optimizer:
    """Adafactor as in the paper: constant lr, no parameter scaling, decay 0.8, weight decay 1e-5.

    `config.optimizer` "adafactor" is t5x's rule (the paper's code, `tuning_core.adafactor`);
    "hf-adafactor" is transformers' with the same arguments (what PEFT users run).
    """
    if config.optimizer is OptimizerName.ADAFACTOR:
        return T5xAdafactor(
            params,
            lr=config.learning_rate,
            weight_decay=config.weight_decay,
            decay_rate=config.decay_rate,
        )
    from transformers.optimization import Adafactor

    return Adafactor(
        params,
        lr=config.learning_rate,
        relative_step=False,
        scale_parameter=False,
        warmup_init=False,
        weight_decay=config.weight_decay,
        # transformers' Adafactor takes the exponent negated: beta2_t = 1 - t**decay_rate.
        decay_rate=-config.decay_rate,
        clip_threshold=1.0,
        beta1=None,
    )


def _rng_state(device: torch.device) -> dict[str, Any]:
    state: dict[str, Any] = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def _set_rng_state(state: dict[str, Any], device: torch.device) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write atomically: a crash mid-write leaves the previous checkpoint intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict[str, Any]:
    try:
        # Not weights_only: the state holds Python's RNG tuple. Checkpoints are our own files.
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:
        raise ConfigError(
            f"The checkpoint {path} is unreadable ({exc}); delete it to start over"
        ) from exc


def _eval_rows(
    config: TrainConfig, val_targets: list[str] | None, *, stratify: bool
) -> list[int] | None:
    """Indices of the validation sample scored during training; None for the whole split."""
    if val_targets is None or config.eval_sample is None or config.eval_sample >= len(val_targets):
        return None
    return stratified_sample(val_targets, config.eval_sample, seed=config.seed, stratify=stratify)


def _choose_eval(
    prompt_config: PromptConfig,
    config: TrainConfig,
    train_targets: list[str],
    val_targets: list[str] | None,
) -> tuple[str | None, list[str] | None]:
    """Evaluation mode and label set for validation."""
    if val_targets is None:
        return None, None
    task = resolve(train_targets + val_targets, label_words=prompt_config.label_words, mode=config.eval_mode)
    labels = resolve_labels(val_targets, task.label_words) if task.label_words is not None else None
    return task.eval_mode.value, labels


@dataclass(frozen=True)
class PreparedData:
    """The tokenised splits and how validation scores them."""

    train: TokenizedData
    full_validation: TokenizedData | None  # every validation row (the fingerprint and truncation count)
    validation: TokenizedData | None  # the rows in-training evaluations score (a sample, or all)
    validation_inputs: list[str] | None
    validation_targets: list[str] | None
    eval_mode: str | None
    labels: list[str] | None
    metric_name: str | None  # what "best" means
    eval_rows: list[int] | None  # the sample's rows; None: the whole split


def _prepare_data(
    tok: Any, prompt_config: PromptConfig, cfg: TrainConfig, train_data: Any, validation_data: Any | None,
) -> PreparedData:
    train_ds = as_text_dataset(train_data, name="training data")
    train_tok = tokenize(train_ds, tok, max_input_length=cfg.max_input_length,
                         max_target_length=cfg.max_target_length)
    val_inputs = val_targets = None
    val_tok: TokenizedData | None = None
    if validation_data is not None:
        val_ds = as_text_dataset(validation_data, name="validation data")
        val_inputs, val_targets = list(val_ds["input_text"]), list(val_ds["target_text"])
        val_tok = tokenize(val_ds, tok, max_input_length=cfg.max_input_length,
                           max_target_length=cfg.max_target_length)
    full_val_tok = val_tok
    train_targets = list(train_ds["target_text"])
    eval_mode, labels = _choose_eval(prompt_config, cfg, train_targets, val_targets)
    if prompt_config.label_words and labels is None:
        unknown = sorted(set(train_targets) - set(prompt_config.label_words))
        if unknown:
            raise DataError(DataProblem(f"Training targets {unknown[:10]} are not among the label words "
                                        f"{list(prompt_config.label_words)}"))
    eval_rows = _eval_rows(cfg, val_targets, stratify=labels is not None)
    if val_tok is not None and eval_rows is not None:
        # In-training evaluations score a fixed sample; the caller scores the full splits.
        val_tok = select_rows(val_tok, eval_rows)
        val_inputs = [(val_inputs or [])[i] for i in eval_rows]
        val_targets = [(val_targets or [])[i] for i in eval_rows]
    return PreparedData(
        train=train_tok, full_validation=full_val_tok, validation=val_tok, validation_inputs=val_inputs,
        validation_targets=val_targets, eval_mode=eval_mode, labels=labels,
        metric_name=headline_metric_for(eval_mode) if eval_mode else None,
        eval_rows=eval_rows,
    )


@dataclass
class RunProgress:
    """Where a run is: everything a checkpoint carries besides the prompt, the optimizer and the
    RNG, so that a resumed run ends exactly as an uninterrupted one. Listed once: the checkpoint
    is written from and read into these fields."""

    step: int = 0
    epoch: int = 0
    position: int = 0  # batches of this epoch done
    examples_seen: int = 0
    losses: list[float] = field(default_factory=list)  # one per step
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    best_step: int | None = None
    best_metrics: dict[str, float] = field(default_factory=dict)
    best_prompt: Tensor | None = None
    bad_evals: int = 0  # evaluations since the best one
    finished: StopReason | None = None
    elapsed: float = 0.0  # seconds spent before this process took the run over

    def to_state(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> RunProgress:
        # Checkpoints from before a field existed lack it: its default holds.
        return cls(**{f.name: state[f.name] for f in fields(cls) if f.name in state})


def _resume(
    path: Path, fingerprint: dict[str, Any], soft: SoftPrompt, optimizer: torch.optim.Optimizer,
    device: torch.device,
) -> tuple[RunProgress, dict[str, Any]]:
    """Load a checkpoint of this very configuration into the prompt and optimizer; its progress
    and RNG state."""
    state = load_checkpoint(path)
    changed = differences(state.get("fingerprint") or {}, fingerprint)
    if changed:
        raise ConfigError(
            f"The checkpoint in {path.parent} comes from a different configuration "
            f"({'; '.join(changed)}); use another checkpoint directory or delete it"
        )
    with torch.no_grad():
        soft.weight.copy_(state["prompt"].to(device))
    optimizer.load_state_dict(state["optimizer"])
    return RunProgress.from_state(state), state["rng"]


class RunHooks(TypedDict, total=False):
    """What a caller may attach to a run, each optional."""

    # Where checkpoints go (one at every evaluation, and when cancelled). If it already holds one
    # from the same configuration, training resumes from it and ends exactly as an uninterrupted
    # run would.
    checkpoint_dir: str | Path | None
    # Called with a ProgressEvent every `log_every` steps and after each evaluation.
    on_progress: Callable[[ProgressEvent], None] | None
    # Checked before every step; True stops training with stopped_reason "cancelled" (after
    # writing a checkpoint).
    should_stop: Callable[[], bool] | None
    # Called with the checkpoint's path each time one is completely written (a caller may copy it
    # elsewhere, e.g. to object storage, so another machine can resume).
    on_checkpoint: Callable[[Path], None] | None


class TrainingRun:
    """One prompt's training: its data, prompt, optimizer, progress, checkpoints and callbacks.

    `train` steps one run alone; `tuning_core.fused.FusedTrainer` steps many on one model. Either
    way the run chooses its own batches, logs its own losses, evaluates on its own schedule, stops
    early by its own patience and writes its own checkpoints; the stepper only computes the
    gradient of its prompt on the batch it asked for.
    """

    def __init__(self, base: FrozenT5, prompt_config: PromptConfig, train_config: TrainConfig, train_data: Any,
                 validation_data: Any | None = None, **hooks: Unpack[RunHooks]) -> None:
        self.started = time.perf_counter()
        self.base, self.prompt_config, self.cfg = base, prompt_config, train_config
        self.on_progress = hooks.get("on_progress")
        self.should_stop = hooks.get("should_stop")
        self.on_checkpoint = hooks.get("on_checkpoint")
        checkpoint_dir = hooks.get("checkpoint_dir")
        self.data = _prepare_data(base.tokenizer, prompt_config, train_config, train_data, validation_data)
        self.precision = resolve_precision(train_config.precision, base.device)  # fp32 or bf16 here
        initial_prompt = init_prompt(base, prompt_config, seed=train_config.seed)
        self.soft = SoftPrompt(initial_prompt).to(base.device)
        self.optimizer = make_optimizer([self.soft.weight], train_config)
        self.progress = RunProgress()
        self.ckpt_path = Path(checkpoint_dir) / CHECKPOINT_FILE if checkpoint_dir is not None else None
        # Only runs that checkpoint need it (it hashes the model's files, once per process).
        self.fingerprint = (
            run_fingerprint(base, prompt_config, train_config, initial_prompt, self.data.train,
                            self.data.full_validation)
            if self.ckpt_path is not None else {}
        )
        # The RNG state a resumed run continues from; None for a fresh run.
        self.saved_rng: dict[str, Any] | None = None
        self.resumed_from: int | None = None
        if self.ckpt_path is not None and self.ckpt_path.exists():
            self.progress, self.saved_rng = _resume(
                self.ckpt_path, self.fingerprint, self.soft, self.optimizer, base.device)
            if self.progress.finished == "max_steps" and self.progress.step < train_config.max_steps:
                self.progress.finished = None  # max_steps was raised: keep training
            self.resumed_from = self.progress.step
        self.previous_elapsed = self.progress.elapsed
        self.stopped: StopReason = self.progress.finished or "max_steps"
        self.over = self.progress.finished is not None or self.progress.step >= train_config.max_steps
        self._batches = self._epoch(self.progress.epoch)
        # Losses since the last loss point: after a resume at a step that is not a multiple of
        # log_every, the steps before the checkpoint belong to the next point too.
        step, every = self.progress.step, train_config.log_every
        self._window: list[float] = self.progress.losses[step - step % every : step]
        self._scoring_key: tuple[Any, ...] | None = None

    # -- what a stepper asks -------------------------------------------------------------------

    def wants_to_stop(self) -> bool:
        return self.should_stop is not None and self.should_stop()

    def next_batch(self) -> list[int]:
        """The training rows of the next step, in the run's own (seed, epoch) order."""
        run = self.progress
        if run.position >= len(self._batches):
            run.epoch, run.position = run.epoch + 1, 0
            self._batches = self._epoch(run.epoch)
        run.position += 1
        return self._batches[run.position - 1]

    def record_step(self, loss: float, rows: int) -> None:
        """Count a finished optimizer step; raises NonFiniteLossError on a NaN or infinite loss."""
        run, cfg = self.progress, self.cfg
        run.step += 1
        run.examples_seen += rows
        if not math.isfinite(loss):
            raise NonFiniteLossError(run.step, loss)
        run.losses.append(loss)
        self._window.append(loss)
        if run.step % cfg.log_every == 0 or run.step == cfg.max_steps:
            self._emit(ProgressEvent("step", run.step, cfg.max_steps, sum(self._window) / len(self._window),
                                     cfg.learning_rate, {}, self.elapsed(), run.examples_seen))
            self._window = []

    def eval_due(self) -> bool:
        step = self.progress.step
        return step % self.cfg.eval_every == 0 or step == self.cfg.max_steps

    def shared_scoring_key(self) -> tuple[Any, ...] | None:
        """Runs with equal keys score their in-training evaluations in one multi-prompt pass:
        rank classification of the same rows, targets and labels, in the same arithmetic.
        None: this run scores alone (generation, or no validation)."""
        data, cfg = self.data, self.cfg
        if data.eval_mode != "rank" or data.validation is None or not data.labels:
            return None
        if self._scoring_key is None:
            rows = hashlib.sha256(repr((data.validation.input_ids, data.validation_targets)).encode()).hexdigest()
            self._scoring_key = (rows, tuple(data.labels), cfg.max_target_length, cfg.eval_batch_size,
                                 self.precision.value)
        return self._scoring_key

    def evaluate_and_checkpoint(self, rng: dict[str, Any], scored: EvalResult | None = None) -> None:
        """The end of an evaluation step: score the sample (or take `scored`, this run's result
        from a pass shared with other runs), keep the best prompt, decide early stopping, write
        the checkpoint (with `rng`, the dropout RNG state to continue from)."""
        run, cfg, has_validation = self.progress, self.cfg, self.data.validation is not None
        metrics: dict[str, float] = {}
        is_best = False
        if has_validation:
            metrics, is_best = self._validate(scored)
        if cfg.patience is not None and has_validation and run.bad_evals >= cfg.patience:
            run.finished = self.stopped = "early_stopping"
            self.over = True
        elif run.step >= cfg.max_steps:
            run.finished = "max_steps"
        self.checkpoint(rng)
        if has_validation:
            self._emit(ProgressEvent("eval", run.step, cfg.max_steps, None, cfg.learning_rate, metrics,
                                     self.elapsed(), run.examples_seen, is_best))
        if run.step >= cfg.max_steps:
            self.over = True

    def cancel(self, rng: dict[str, Any]) -> None:
        """Stop here (asked to): checkpoint so that a later run with the same settings resumes."""
        self.stopped, self.over = "cancelled", True
        self.checkpoint(rng)

    def checkpoint(self, rng: dict[str, Any]) -> None:
        if self.ckpt_path is None:
            return
        save_checkpoint(self.ckpt_path, {
            "version": CHECKPOINT_VERSION, "fingerprint": self.fingerprint,
            "prompt_config": self.prompt_config.to_dict(), "train_config": self.cfg.to_dict(),
            "prompt": self.soft.weight.detach().cpu().clone(), "optimizer": self.optimizer.state_dict(),
            "rng": rng, **self.progress.to_state(), "elapsed": self.elapsed(),
        })
        if self.on_checkpoint is not None:
            self.on_checkpoint(self.ckpt_path)

    def elapsed(self) -> float:
        return self.previous_elapsed + time.perf_counter() - self.started

    def result(self) -> TrainResult:
        run, data = self.progress, self.data
        last = self.soft.weight.detach().float().cpu().clone()
        full_val = data.full_validation
        return TrainResult(
            prompt=run.best_prompt if run.best_prompt is not None else last,
            best_step=run.best_step,
            best_metrics=run.best_metrics,
            steps_completed=run.step,
            stopped_reason=self.stopped,
            evaluated=run.best_step is not None,
            metric_name=data.metric_name,
            eval_mode=data.eval_mode,
            label_words=data.labels,
            train_losses=run.losses,
            evaluations=run.evaluations,
            truncated_train_rows=data.train.truncated_inputs,
            truncated_validation_rows=full_val.truncated_inputs if full_val is not None else 0,
            truncated_train_targets=data.train.truncated_targets,
            eval_sample_rows=(len(data.eval_rows) if data.eval_rows is not None and data.validation is not None
                              else None),
            resumed_from_step=self.resumed_from,
            elapsed_seconds=self.elapsed(),
            precision=self.precision.value,
            last_prompt=last,
        )

    # -- inside --------------------------------------------------------------------------------

    def _epoch(self, epoch: int) -> list[list[int]]:
        cfg = self.cfg
        return epoch_batches(self.data.train.input_lengths, cfg.batch_size, seed=cfg.seed, epoch=epoch,
                             shuffle=cfg.shuffle, group_by_length=cfg.group_by_length)

    def _emit(self, event: ProgressEvent) -> None:
        if self.on_progress is not None:
            self.on_progress(event)

    def _validate(self, scored: EvalResult | None = None) -> tuple[dict[str, float], bool]:
        """Score the sample, keep the best prompt; (metrics, whether this is the best so far)."""
        data, run, cfg = self.data, self.progress, self.cfg
        assert data.validation is not None and data.eval_mode is not None and data.metric_name is not None
        result = scored or evaluate_tokenized(
            self.base, self.soft.weight.detach(), data.validation, data.validation_inputs or [],
            data.validation_targets or [],
            mode=data.eval_mode,  # type: ignore[arg-type]
            labels=data.labels, batch_size=cfg.eval_batch_size, max_target_length=cfg.max_target_length,
            precision=self.precision,
        )
        metrics = scalar_metrics(result.metrics)
        run.evaluations.append({"step": run.step, **metrics})
        name = data.metric_name
        if run.best_step is None or metrics[name] > run.best_metrics[name]:
            run.best_step, run.best_metrics, run.bad_evals = run.step, metrics, 0
            run.best_prompt = self.soft.weight.detach().float().cpu().clone()
            return metrics, True
        run.bad_evals += 1
        return metrics, False


def train(base: FrozenT5, prompt_config: PromptConfig, train_config: TrainConfig, train_data: Any,
          validation_data: Any | None = None, **hooks: Unpack[RunHooks]) -> TrainResult:
    """Train a soft prompt; the base model stays frozen.

    train_data, validation_data: Datasets (or anything `as_text_dataset` accepts) with
        `input_text` and `target_text`. hooks: see RunHooks.

    Evaluations during training score a fixed, stratified sample of `eval_sample` validation rows
    (result.eval_sample_rows says how many; None: the whole split); score the returned prompt on
    the full splits afterwards.

    Validation metric: rank-classification accuracy when the targets form a small label set
    (or label words are given), otherwise exact match of greedy decoding; higher is better and
    the best prompt is kept. Raises NonFiniteLossError when the loss becomes NaN or infinite.
    """
    run = TrainingRun(base, prompt_config, train_config, train_data, validation_data, **hooks)
    if not run.over:
        _seed_global_rng(run)
        cfg, device = run.cfg, base.device
        base.model.train()  # dropout on; every weight still frozen
        try:
            with dropout_override(base.model, cfg.dropout, attention=cfg.attention_dropout):
                while not run.over:
                    if run.wants_to_stop():
                        run.cancel(_rng_state(device))
                        break
                    indices = run.next_batch()
                    loss = _train_step(base, run.soft, run.optimizer, run.data.train, indices,
                                       cfg.grad_accum_steps, base.tokenizer.pad_token_id, run.precision)
                    run.record_step(loss, len(indices))
                    if run.eval_due():
                        rng = _rng_state(device)
                        run.evaluate_and_checkpoint(rng)
                        _set_rng_state(rng, device)  # validation must not shift dropout masks
        finally:
            base.model.eval()
    return run.result()


def _seed_global_rng(run: TrainingRun) -> None:
    """Dropout of a run trained alone draws from torch's global generator: seeded by the run's
    seed (nothing else draws from it), or restored from the checkpoint it resumes."""
    device = run.base.device
    if run.saved_rng is not None:
        _set_rng_state(run.saved_rng, device)
        return
    torch.manual_seed(run.cfg.seed)
    if device.type == "cuda":
        torch.cuda.manual_seed(run.cfg.seed)


def _train_step(
    base: FrozenT5,
    soft: SoftPrompt,
    optimizer: torch.optim.Optimizer,
    data: TokenizedData,
    indices: list[int],
    grad_accum_steps: int,
    pad_id: int,
    precision: Precision,
) -> float:
    """One optimizer step on the batch `indices`; returns its mean token loss.

    Under bf16 only the frozen model's forward (and so its backward) is autocast; the loss is
    computed in float32 from the logits, and the prompt's gradient and update stay float32.
    """
    n_tokens = sum(len(data.target_ids[i]) for i in indices)
    chunks = [c for c in split_evenly(indices, grad_accum_steps) if c]
    optimizer.zero_grad(set_to_none=True)
    total = torch.zeros((), device=base.device)
    for chunk in chunks:
        batch = collate(data, chunk, pad_id).to(base.device)
        with base.autocast(precision):
            logits = prompted_forward(
                base, soft(), batch.input_ids, batch.attention_mask, shift_right(base, batch.labels)
            )  # (b, T, V)
        nll = target_nll(logits, batch.labels).sum()  # float32
        (nll / n_tokens).backward()
        total += nll.detach()
    optimizer.step()
    return float(total) / n_tokens


def split_evenly(indices: list[int], parts: int) -> list[list[int]]:
    """Split into `parts` contiguous chunks of near-equal size."""
    size, extra = divmod(len(indices), parts)
    out, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        out.append(indices[start:end])
        start = end
    return out
