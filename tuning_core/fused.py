"""Many prompts trained together on one frozen T5: one forward and one backward per step for all.

The base model is frozen, so every run on it does the same arithmetic on different rows with a
different `[p, d]` prompt. A `FusedTrainer` concatenates every active run's batch, each row
carrying its run's prompt (`stack_prompts` pads prompts of different lengths; the mask hides the
padding), and backpropagates

    L = Σ_k NLL_k / tokens_k

where NLL_k sums run k's target-token losses and tokens_k counts its target tokens. Prompt k
appears only in run k's rows, so ∂L/∂P_k is exactly run k's solo gradient. Each run then steps its
own optimizer and keeps everything else of its own (`tuning_core.train.TrainingRun`): config,
learning rate, data order, batch size, lengths, evaluations, early stopping, checkpoints, best
prompt and cancel. Runs join and leave between steps; a run whose step fails (a NaN loss, an error
in its data, evaluation or checkpoint) fails alone and the others go on. Runs due for evaluation
at the same step that rank the same validation rows with the same labels (a sweep's runs) score
in one multi-prompt pass.

How exact. Each run has its own dropout generator, seeded as solo `train()` seeds the global one
and saved in its checkpoints (where solo training reads its state too, so either continues it).
- Passes not shared (each run's batch its own pass; the default on a CPU): the run's masks are
  drawn exactly as solo `train()` draws them, so it equals its solo run, dropout included, up to
  float rounding (tested ≤ 1e-5 in fp32).
- Shared passes (the default on a GPU): with dropout 0 a run equals its solo run up to float
  rounding (rows padded to a longer neighbour add zero-weight keys). With dropout, its masks come
  from its generator at the shape of its own rows (`tuning_core.run_dropout`): its trajectory is
  the same beside any other runs and a resumed run continues it, but the masks are not those of
  solo `train()`, which draws for the whole batch in transformers' order.

Memory: a step's rows are cut into micro-batches of at most `max_rows` (gradient accumulation,
still exact). A run's batch is kept whole when it fits, else cut into equal parts that depend on
that run alone (and never fewer than its `grad_accum_steps`). Runs' rows share passes where that
pays (a GPU); on a CPU each run's batch is its own pass (`shares_passes_by_default`).
"""

from __future__ import annotations

import contextlib
import math
import random
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from tuning_core.batches import pad
from tuning_core.config import Precision
from tuning_core.errors import ConfigError
from tuning_core.evaluate import EvalResult, label_token_ids, rank_result, score_labels
from tuning_core.model import (
    FrozenT5,
    dropout_override,
    multi_prompt_forward,
    shift_right,
    stack_prompts,
    target_nll,
)
from tuning_core.run_dropout import RunDropout, RunSegment
from tuning_core.train import TrainingRun, TrainResult, split_evenly

DEFAULT_MAX_ROWS = 256  # rows of one forward pass: 8 jobs of the paper's batch of 32
RUN_GENERATOR = "run_generator"  # the checkpoint's RNG entry of a fused run's dropout generator


@dataclass(eq=False)
class _Member:
    run: TrainingRun
    future: Future[TrainResult]
    generator: torch.Generator  # this run's dropout masks, and nothing else
    indices: list[int] | None = None  # the rows of the step under way
    tokens: int = 0  # their target tokens


@dataclass(frozen=True)
class _Part:
    """Rows of one run in one micro-batch."""

    member: _Member
    indices: list[int]


class FusedTrainer:
    """Steps many `TrainingRun`s on one frozen model, one forward/backward per step.

    `add` may be called from any thread; `step` (or `train_all`) from one thread at a time.
    """

    def __init__(self, base: FrozenT5, *, max_rows: int = DEFAULT_MAX_ROWS, share_passes: bool | None = None) -> None:
        """max_rows: rows of one pass at most. share_passes: whether several runs' rows share a
        pass (None: where that pays, see `shares_passes_by_default`); when not, each run's batch
        is its own pass and the runs still share the model copy and the stepping loop."""
        if max_rows < 1:
            raise ConfigError(f"max_rows must be at least 1; got {max_rows}")
        self.base = base
        self.max_rows = max_rows
        self.share_passes = shares_passes_by_default(base.device) if share_passes is None else share_passes
        self.precision: Precision | None = None  # the first run's; every run must share it
        self.steps_taken = 0
        self.shared_scorings = 0  # evaluations of several runs scored in one multi-prompt pass
        self._active: list[_Member] = []
        self._pending: list[_Member] = []
        self._lock = threading.Lock()
        self._dropout = RunDropout(base.model)

    def add(self, run: TrainingRun) -> Future[TrainResult]:
        """Queue `run`; it joins at the next step. The future ends with its TrainResult, or with
        the error that failed it."""
        if run.base is not self.base:
            raise ConfigError("A fused trainer only trains runs on its own base model")
        with self._lock:
            if self.precision is None or not (self._active or self._pending):
                self.precision = run.precision
            elif run.precision is not self.precision:
                raise ConfigError(
                    f"This run trains in {run.precision.value}, the runs it would join in "
                    f"{self.precision.value}; runs trained together share one precision"
                )
            member = _Member(run, Future(), _generator_for(run))
            self._pending.append(member)
        return member.future

    @property
    def size(self) -> int:
        """Runs training or waiting to join."""
        with self._lock:
            return len(self._active) + len(self._pending)

    def fail_all(self, error: BaseException) -> None:
        """End every run, training or waiting, with `error` (the trainer itself broke)."""
        with self._lock:
            members, self._pending = self._active + self._pending, []
        self._active = []
        for member in members:
            if not member.future.done():
                member.future.set_exception(error)

    def train_all(self) -> None:
        """Step until every run added so far (and any added meanwhile) has ended."""
        while self.size:
            self.step()

    def step(self) -> None:
        """One optimizer step of every active run: admit new runs, stop cancelled ones, one fused
        forward/backward, then each run's own update, logging, evaluation and checkpoint."""
        self._admit()
        for member in list(self._active):
            self._guard(member, self._stop_if_asked)
        working = [m for m in self._active if self._guard(m, self._take_batch)]
        if working:
            with self.base.lock:  # evaluations in other threads wait for this step's passes
                try:
                    self.base.model.train()  # dropout on; every weight still frozen
                    losses = self._backward(working)
                finally:
                    self.base.model.eval()
            for member in working:
                self._guard(member, lambda m: self._update(m, losses[m]))
            due = [m for m in working if not m.future.done() and m.run.eval_due()]
            scored = self._score_together(due)
            for member in due:
                self._guard(member, lambda m: self._evaluate(m, scored.get(m)))
            self.steps_taken += 1
        self._active = [m for m in self._active if not m.future.done()]

    # -- one step ------------------------------------------------------------------------------

    def _admit(self) -> None:
        with self._lock:
            joining, self._pending = self._pending, []
        for member in joining:
            if member.run.over:  # resumed from a finished checkpoint
                member.future.set_result(member.run.result())
            else:
                self._active.append(member)

    def _stop_if_asked(self, member: _Member) -> bool:
        if member.run.wants_to_stop():
            member.run.cancel(self._rng(member))
            member.future.set_result(member.run.result())
        return True

    def _take_batch(self, member: _Member) -> bool:
        if member.future.done():
            return False
        member.indices = member.run.next_batch()
        targets = member.run.data.train.target_ids
        member.tokens = sum(len(targets[i]) for i in member.indices)
        return True

    def _update(self, member: _Member, loss: float) -> bool:
        run = member.run
        assert member.indices is not None
        run.optimizer.step()
        run.record_step(loss, len(member.indices))
        return True

    def _evaluate(self, member: _Member, scored: EvalResult | None) -> bool:
        run = member.run
        run.evaluate_and_checkpoint(self._rng(member), scored)
        if run.over:
            member.future.set_result(run.result())
        return True

    def _score_together(self, due: list[_Member]) -> dict[_Member, EvalResult]:
        """Runs due for evaluation that rank the same rows with the same labels: one pass with
        every prompt (`score_labels` with K prompts), then each run's result. Any other run, and
        every run of a pass that fails, scores alone in `_evaluate`."""
        groups: dict[tuple[Any, ...], list[_Member]] = {}
        for member in due:
            key = member.run.shared_scoring_key()
            if key is not None:
                groups.setdefault(key, []).append(member)
        results: dict[_Member, EvalResult] = {}
        for members in groups.values():
            if len(members) < 2:
                continue
            first = members[0].run
            data, cfg = first.data, first.cfg
            assert data.validation is not None and data.labels is not None
            try:
                label_ids = label_token_ids(self.base, data.labels, cfg.max_target_length)
                scores = score_labels(self.base, [m.run.soft.weight.detach() for m in members], data.validation,
                                      label_ids, batch_size=cfg.eval_batch_size, precision=first.precision)
            except Exception:  # noqa: BLE001 - each run then scores alone and fails alone if it must
                continue
            self.shared_scorings += 1
            for k, member in enumerate(members):
                results[member] = rank_result(scores[k], data.validation_inputs or [], data.validation_targets or [],
                                              data.labels, data.validation.truncated_inputs)
        return results

    def _backward(self, members: list[_Member]) -> dict[_Member, float]:
        """Gradients of every member's prompt on its batch; each member's mean token loss.

        When the fused pass fails, each member is tried alone (from the same dropout state), so
        an error that belongs to one run fails that run only."""
        states = {m: m.generator.get_state() for m in members}
        for member in members:
            member.run.optimizer.zero_grad(set_to_none=True)
        try:
            sums = self._accumulate(members)
        except Exception:  # noqa: BLE001 - which run caused it is found below
            sums = {}
            for member in members:
                member.generator.set_state(states[member])
                member.run.optimizer.zero_grad(set_to_none=True)
                self._guard(member, lambda m: self._accumulate_into(sums, m))
        return {m: sums[m] / m.tokens for m in members if m in sums}

    def _accumulate_into(self, sums: dict[_Member, float], member: _Member) -> bool:
        sums.update(self._accumulate([member]))
        return True

    def _accumulate(self, members: list[_Member]) -> dict[_Member, float]:
        totals = dict.fromkeys(members, 0.0)
        for micro_batch in self._micro_batches(members):
            for member, nll in self._pass(micro_batch).items():
                totals[member] += nll
        return totals

    def _micro_batches(self, members: list[_Member]) -> Iterator[list[_Part]]:
        """Parts of at most `max_rows` rows packed in order; a run is cut only by its own size."""
        batch: list[_Part] = []
        rows = 0
        for member in members:
            assert member.indices is not None
            parts = max(member.run.cfg.grad_accum_steps, math.ceil(len(member.indices) / self.max_rows))
            for chunk in split_evenly(member.indices, parts):
                if batch and (rows + len(chunk) > self.max_rows or not self.share_passes):
                    yield batch
                    batch, rows = [], 0
                batch.append(_Part(member, chunk))
                rows += len(chunk)
        if batch:
            yield batch

    def _pass(self, parts: list[_Part]) -> dict[_Member, float]:
        """Forward and backward of one micro-batch; each part's summed target NLL."""
        base = self.base
        inputs = [part.member.run.data.train.input_ids[i] for part in parts for i in part.indices]
        targets = [part.member.run.data.train.target_ids[i] for part in parts for i in part.indices]
        input_ids = pad(inputs, base.tokenizer.pad_token_id)  # (B, n)
        lengths = torch.tensor([len(r) for r in inputs])
        attention_mask = (torch.arange(input_ids.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)).long()
        labels = pad(targets, -100)  # (B, T)
        prompts, prompt_mask = stack_prompts([part.member.run.soft.weight for part in parts])  # (K, p_max, d)
        owner = torch.tensor([k for k, part in enumerate(parts) for _ in part.indices])  # (B,)
        device = base.device
        input_ids, attention_mask, labels = input_ids.to(device), attention_mask.to(device), labels.to(device)
        with self._dropout_for(parts, prompts.shape[1]), base.autocast(self.precision or Precision.FP32):
            logits = multi_prompt_forward(base, prompts, owner, input_ids, attention_mask,
                                          shift_right(base, labels), prompt_mask=prompt_mask)  # (B, T, V)
        row_nll = target_nll(logits, labels).sum(dim=1)  # (B,) float32
        loss = torch.zeros((), device=device)
        sums: dict[_Member, Tensor] = {}
        start = 0
        for part in parts:
            stop = start + len(part.indices)
            nll = row_nll[start:stop].sum()
            loss = loss + nll / part.member.tokens
            sums[part.member] = sums.get(part.member, torch.zeros((), device=device)) + nll.detach()
            start = stop
        loss.backward()
        return {member: float(nll) for member, nll in sums.items()}

    def _dropout_for(self, parts: list[_Part], prompt_width: int) -> Any:
        """Run-owned dropout for these parts, or none at all when no run drops anything.

        A pass of one run's rows (passes not shared) draws its masks as solo `train()` does, from
        the global generator, which holds the run's own state for the pass: the same masks as the
        run alone. A shared pass places each run's own masks (`tuning_core.run_dropout`)."""
        segments = _segments(parts, prompt_width)
        if all(s.layer_p == 0.0 for s in segments):
            return dropout_override(self.base.model, 0.0)
        if not self.share_passes:
            cfg = parts[0].member.run.cfg
            stack = contextlib.ExitStack()
            stack.enter_context(_drawing_from(parts[0].member.generator))
            stack.enter_context(dropout_override(self.base.model, cfg.dropout, attention=cfg.attention_dropout))
            return stack
        return self._dropout.for_pass(segments)

    # -- bookkeeping ---------------------------------------------------------------------------

    def _rng(self, member: _Member) -> dict[str, Any]:
        """What a checkpoint stores as RNG state: the run's generator, also where solo training
        reads its global state, so either kind of training continues the run's own stream."""
        state = member.generator.get_state()
        rng: dict[str, Any] = {"torch": torch.get_rng_state(), "python": random.getstate(), RUN_GENERATOR: state}
        rng["cuda" if member.generator.device.type == "cuda" else "torch"] = state
        return rng

    def _guard(self, member: _Member, work: Any) -> bool:
        """work(member), failing that member alone if it raises; whether it went on."""
        if member.future.done():
            return False
        try:
            return bool(work(member))
        except Exception as exc:  # noqa: BLE001 - the run's error is its future's to report
            member.future.set_exception(exc)
            return False


def shares_passes_by_default(device: torch.device) -> bool:
    """Whether runs' rows share a pass unless told: on a GPU, yes (K small batches in one pass
    cost about one). On a CPU a pass costs the sum of its rows anyway, pads every row to the
    longest of all runs, and holds every run's activations at once: measured with bench/fused.py,
    4 runs in one pass trained 0.7x as fast as one after another, at 3.4x the memory. There each
    run's batch is its own pass; the runs still share the model copy and nobody waits."""
    return device.type == "cuda"


def _generator_for(run: TrainingRun) -> torch.Generator:
    """The run's dropout generator: seeded by its seed as solo `train()` seeds the global one, or
    where its checkpoint left it (a fused run's own generator, or a solo run's global state)."""
    device = run.base.device
    generator = torch.Generator(device=device)
    saved = run.saved_rng or {}
    solo_state = saved.get("cuda" if device.type == "cuda" else "torch")
    if saved.get(RUN_GENERATOR) is not None:
        generator.set_state(saved[RUN_GENERATOR])
    elif solo_state is not None:
        generator.set_state(solo_state)
    else:
        generator.manual_seed(run.cfg.seed)
    return generator


@contextlib.contextmanager
def _drawing_from(generator: torch.Generator) -> Iterator[None]:
    """Torch's global generator (of the generator's device) holds `generator`'s state inside;
    what is drawn there advances `generator`, and the global state is put back afterwards."""
    cuda = generator.device.type == "cuda"
    get_state = (lambda: torch.cuda.get_rng_state(generator.device)) if cuda else torch.get_rng_state
    saved = get_state()
    if cuda:
        torch.cuda.set_rng_state(generator.get_state(), generator.device)
    else:
        torch.set_rng_state(generator.get_state())
    try:
        yield
    finally:
        generator.set_state(get_state())
        if cuda:
            torch.cuda.set_rng_state(saved, generator.device)
        else:
            torch.set_rng_state(saved)


def _segments(parts: Sequence[_Part], prompt_width: int) -> list[RunSegment]:
    """Where each part's rows sit in the fused batch, and how its run drops out."""
    segments = []
    start = 0
    for part in parts:
        run = part.member.run
        data = run.data.train
        prompt_length = run.soft.weight.shape[0]
        cfg = run.cfg
        segments.append(RunSegment(
            start=start,
            stop=start + len(part.indices),
            generator=part.member.generator,
            encoder_offset=prompt_width - prompt_length,
            encoder_length=prompt_length + max(len(data.input_ids[i]) for i in part.indices),
            decoder_length=max(len(data.target_ids[i]) for i in part.indices),
            layer_p=cfg.dropout,
            attention=cfg.attention_dropout,
        ))
        start += len(part.indices)
    return segments
