"""Answering predict calls: the API asks, a prediction server answers, Redis in between.

Why a server of its own rather than a Celery task: answering many prompts at once is the point of
prompt tuning, so requests that arrive together must share a forward pass. A Celery worker takes
one task at a time and sits behind training jobs on the GPU queue; the prediction server
(`python -m workers.serving`, started by `make run` and compose's `serving` service) keeps the base
models loaded, pops every request that arrives within a short window (SERVING_BATCH_WINDOW_MS) and
answers them with `tuning_core.serving.answer_requests`, one encoder pass for up to
SERVING_MAX_ROWS (input, prompt) rows of any mix of prompts.

- `queue`: the protocol (keys, messages, replies, the liveness key, counters).
- `predict`: turns a version or an ensemble and the caller's inputs into a message, and the
  reply into the answer (labels, scores, the ensemble's vote).
- `api`: the two endpoints, POST /api/v1/versions/{id}/predict/ and /ensembles/{id}/predict/.
"""
