"""Serving many prompts from one frozen model: requests for different prompts answered together.

This is what prompt tuning buys at serving time (section 7 of the paper): the model is shared, so
requests for different tasks can share a batch. Each request brings its own prompt(s), rendered
inputs and, for classification, label words. `answer_requests` unrolls every request into rows
(input, prompt), runs the encoder once over a batch of rows where each row carries its own prompt
(prompts of different lengths stacked, see `model.stack_prompts`), then scores each group of rows
that share a label set with `evaluate.label_log_likelihoods`. Generation rows are decoded greedily
in a mixed-prompt batch of their own.

Nothing here knows where requests come from: the prediction server (`workers/serving.py`) gathers
them from a queue within a short window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor

from tuning_core.batches import pad
from tuning_core.config import Precision
from tuning_core.data import truncate_ids
from tuning_core.evaluate import check_prompt, inference, label_log_likelihoods, label_token_ids
from tuning_core.model import FrozenT5, encode, prepend_prompt, shift_right, stack_prompts


@dataclass(frozen=True)
class ServeRequest:
    """Score `texts` under each of `prompts` (an ensemble sends its K members).

    label_words: the classification labels, or None to generate text (up to max_target_length
    tokens).
    """

    prompts: Sequence[Tensor]  # K prompts (p_k, d); lengths may differ
    texts: Sequence[str]  # N inputs, already through the input template
    label_words: Sequence[str] | None
    max_input_length: int = 256
    max_target_length: int = 16


@dataclass
class ServeAnswer:
    """scores: (K, N, L) label log-likelihoods for classification; texts: K lists of N generated texts."""

    scores: Tensor | None = None
    texts: list[list[str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    request: int
    prompt: int  # index into the request's prompts
    text: int
    slot: int  # index into the batch's stacked prompts
    input_ids: list[int]


@dataclass
class ServeBatch:
    answers: list[ServeAnswer]
    forward_passes: int  # encoder passes (each covering many requests' rows)


def encode_texts(base: FrozenT5, texts: Sequence[str], max_input_length: int) -> list[list[int]]:
    """Input ids as training made them (closing EOS, truncated to max_input_length)."""
    eos = base.tokenizer.eos_token_id
    ids = base.tokenizer(list(texts), add_special_tokens=True)["input_ids"]
    return [truncate_ids(row, max_input_length, eos)[0] for row in ids]


def answer_requests(
    base: FrozenT5,
    requests: Sequence[ServeRequest],
    *,
    max_rows: int = 64,
    precision: Precision | str = Precision.AUTO,
) -> ServeBatch:
    """Answer every request, packing rows of different requests and prompts into shared passes.

    max_rows: rows (input, prompt) per forward pass. Rows are sorted by input length first, so a
    pass pads little. Scores equal scoring each request alone (`evaluate.score_labels`) up to
    float rounding.
    """
    # A prompt tensor sent by several requests (two clients of one version) is stacked once.
    slots: dict[int, int] = {}
    prompts: list[Tensor] = []
    rows: list[_Row] = []
    for r, request in enumerate(requests):
        ids = encode_texts(base, request.texts, request.max_input_length)
        for k, prompt in enumerate(request.prompts):
            if id(prompt) not in slots:
                slots[id(prompt)] = len(prompts)
                prompts.append(check_prompt(base, prompt))
            rows.extend(_Row(r, k, i, slots[id(prompt)], ids[i]) for i in range(len(ids)))
    answers = [
        ServeAnswer(scores=torch.empty(len(q.prompts), len(q.texts), len(q.label_words)))
        if q.label_words is not None
        else ServeAnswer(texts=[[""] * len(q.texts) for _ in q.prompts])
        for q in requests
    ]
    if not rows:
        return ServeBatch(answers, forward_passes=0)
    stack, prompt_mask = stack_prompts(prompts)
    label_ids = [tuple(map(tuple, label_token_ids(base, q.label_words, q.max_target_length)))
                 if q.label_words is not None else () for q in requests]
    ranked = [row for row in rows if requests[row.request].label_words is not None]
    generated = [row for row in rows if requests[row.request].label_words is None]
    passes = 0
    with inference(base, precision):
        for chunk in _chunks(ranked, max_rows):
            _score_chunk(base, label_ids, chunk, stack, prompt_mask, answers)
            passes += 1
        for chunk in _chunks(generated, max_rows):
            _generate_chunk(base, requests, chunk, stack, prompt_mask, answers)
            passes += 1
    return ServeBatch(answers, forward_passes=passes)


def _chunks(rows: list[_Row], size: int) -> list[list[_Row]]:
    ordered = sorted(rows, key=lambda row: len(row.input_ids))
    return [ordered[i : i + size] for i in range(0, len(ordered), max(1, size))]


def _inputs(base: FrozenT5, chunk: list[_Row]) -> tuple[Tensor, Tensor]:
    ids = pad([row.input_ids for row in chunk], base.tokenizer.pad_token_id)
    lengths = torch.tensor([len(row.input_ids) for row in chunk])
    mask = (torch.arange(ids.shape[1]).unsqueeze(0) < lengths.unsqueeze(1)).long()
    return ids.to(base.device), mask.to(base.device)


def _score_chunk(base: FrozenT5, label_ids: Sequence[tuple[tuple[int, ...], ...]], chunk: list[_Row],
                 stack: Tensor, prompt_mask: Tensor, answers: list[ServeAnswer]) -> None:
    ids, mask = _inputs(base, chunk)
    slot = torch.tensor([row.slot for row in chunk], device=stack.device)
    hidden, hidden_mask = encode(base, stack[slot], ids, mask, prompt_mask[slot])  # one encoder pass
    # Rows asking for the same label ids share one decoder call.
    by_labels: dict[tuple[tuple[int, ...], ...], list[int]] = defaultdict(list)
    for position, row in enumerate(chunk):
        by_labels[label_ids[row.request]].append(position)
    for label_set, positions in by_labels.items():
        labels = pad([list(ids) for ids in label_set], -100).to(base.device)  # (L, T)
        at = torch.tensor(positions, device=hidden.device)
        ll = label_log_likelihoods(base, hidden[at], hidden_mask[at], labels, shift_right(base, labels))
        ll = ll.float().cpu()
        for j, position in enumerate(positions):
            row = chunk[position]
            scores = answers[row.request].scores
            assert scores is not None
            scores[row.prompt, row.text] = ll[j]


def _generate_chunk(base: FrozenT5, requests: Sequence[ServeRequest], chunk: list[_Row], stack: Tensor,
                    prompt_mask: Tensor, answers: list[ServeAnswer]) -> None:
    ids, mask = _inputs(base, chunk)
    slot = torch.tensor([row.slot for row in chunk], device=stack.device)
    embeds, embeds_mask = prepend_prompt(base, stack[slot], ids, mask, prompt_mask[slot])
    pad_id = base.tokenizer.pad_token_id
    out = base.model.generate(
        inputs_embeds=embeds,
        attention_mask=embeds_mask,
        max_new_tokens=max(requests[row.request].max_target_length for row in chunk),
        do_sample=False,
        num_beams=1,
        decoder_start_token_id=base.model.config.decoder_start_token_id,
        eos_token_id=base.tokenizer.eos_token_id,
        pad_token_id=pad_id,
    )
    for row, tokens in zip(chunk, out):
        # A request asking for fewer tokens than the chunk's longest gets its own limit.
        limit = requests[row.request].max_target_length + 1  # + the start token
        text = base.tokenizer.decode(tokens[:limit], skip_special_tokens=True).strip()
        answers[row.request].texts[row.prompt][row.text] = text
