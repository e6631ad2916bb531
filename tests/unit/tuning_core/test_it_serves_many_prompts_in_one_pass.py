"""Requests for different prompts, label sets and task kinds are answered together in shared
passes, with the same answers as scoring each request alone."""

from __future__ import annotations

import torch

from tuning_core.config import ScoringOptions
from tuning_core.data import tokenize
from tuning_core.ensemble import score_texts
from tuning_core.evaluate import generate_texts
from tuning_core.serving import ServeRequest, answer_requests


def _prompt(base, length: int, seed: int) -> torch.Tensor:
    return torch.randn(length, base.info.d_model, generator=torch.Generator().manual_seed(seed))


def _requests(base) -> list[ServeRequest]:
    return [
        ServeRequest([_prompt(base, 4, 1)], ["review: a fine film", "review: dull"], ["negative", "positive"]),
        ServeRequest([_prompt(base, 7, 2), _prompt(base, 3, 3)], ["topic: the match ended late"],
                     ["sports", "world", "business"], max_target_length=8),
        ServeRequest([_prompt(base, 5, 4)], ["question: is water wet?", "question: no"], ["yes", "no"],
                     max_input_length=5),
    ]


def test_scores_equal_each_request_alone(base) -> None:
    requests = _requests(base)

    batch = answer_requests(base, requests, precision="fp32")

    for request, answer in zip(requests, batch.answers):
        alone = score_texts(base, request.prompts, request.texts, request.label_words, scoring=ScoringOptions(max_input_length=request.max_input_length, max_target_length=request.max_target_length, precision="fp32"))
        assert answer.scores is not None
        assert answer.scores.shape == alone.shape
        torch.testing.assert_close(answer.scores, alone, atol=1e-4, rtol=1e-4)


def test_one_encoder_pass_serves_every_request_that_fits(base) -> None:
    requests = _requests(base)  # 2 + 2 + 2 rows

    assert answer_requests(base, requests, precision="fp32").forward_passes == 1
    assert answer_requests(base, requests, max_rows=4, precision="fp32").forward_passes == 2


def test_a_prompt_sent_twice_is_stacked_once_and_scored_alike(base) -> None:
    shared = _prompt(base, 4, 9)
    requests = [ServeRequest([shared], ["review: good"], ["negative", "positive"]),
                ServeRequest([shared], ["review: good"], ["negative", "positive"])]

    batch = answer_requests(base, requests, precision="fp32")

    torch.testing.assert_close(batch.answers[0].scores, batch.answers[1].scores)


def test_generation_requests_decode_like_generate_texts(base) -> None:
    prompts = [_prompt(base, 4, 5), _prompt(base, 6, 6)]
    requests = [ServeRequest([prompts[0]], ["summarize: the cat sat on the mat"], None, max_target_length=5),
                ServeRequest([prompts[1]], ["summarize: rain", "summarize: sun and sky"], None, max_target_length=3)]

    batch = answer_requests(base, [*requests, _requests(base)[0]], precision="fp32")

    assert batch.forward_passes == 2  # one for the ranked rows, one generate for the rest
    for request, answer in zip(requests, batch.answers):
        data = tokenize({"input_text": list(request.texts), "target_text": [""] * len(request.texts)},
                        base.tokenizer, max_input_length=request.max_input_length,
                        max_target_length=request.max_target_length)
        alone = generate_texts(base, request.prompts[0], data, max_new_tokens=request.max_target_length,
                               precision="fp32")
        assert answer.texts == [alone]
