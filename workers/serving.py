"""The prediction server: keeps base models loaded and answers predict calls in shared passes.

Run as `python -m workers.serving` (`make run` and compose's `serving` service start it). It is a
process of its own, not a Celery worker, so predict calls never wait behind a training job and
calls that arrive together are answered together: every message popped within
SERVING_BATCH_WINDOW_MS of the first (up to SERVING_MAX_ROWS rows) goes into one
`tuning_core.serving.answer_requests` per base model. See `webapp.serving` for the protocol.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
import torch

from tuning_core.errors import TuningError
from tuning_core.export import load_prompt
from tuning_core.model import FrozenT5
from tuning_core.serving import ServeAnswer, ServeRequest, answer_requests
from webapp.lib.prediction_calls import (
    ALIVE_TTL_S,
    Keys,
    Message,
    Part,
    Reply,
    count_batch,
    mark_alive,
    mark_gone,
    send_replies,
    take_batch,
)
from workers.model_pool import ModelPool

logger = logging.getLogger("workers.serving")

PROMPT_CACHE_SIZE = 256


class PromptCache:
    """Prompt tensors by file, most recently used kept: a popular prompt is read from storage once.

    `local_path` gives a local copy of a stored file (`webapp.lib.media.local_path`: the file
    itself, or a copy in this machine's cache when files live in object storage)."""

    def __init__(self, local_path: Callable[[str, str | None], Path], size: int = PROMPT_CACHE_SIZE) -> None:
        self.local_path, self.size = local_path, size
        self._tensors: OrderedDict[tuple[str, str], torch.Tensor] = OrderedDict()

    def get(self, base: FrozenT5, relative: str, sha256: str | None = None) -> torch.Tensor:
        key = (base.info.source, relative)
        if key in self._tensors:
            self._tensors.move_to_end(key)
            return self._tensors[key]
        try:
            path = self.local_path(relative, sha256 or None)
        except (ValueError, OSError) as exc:  # not a storage name, gone, or not the recorded bytes
            raise TuningError(f"The prompt file {relative} cannot be read: {exc}") from None
        tensor = load_prompt(path, base=base)[0]
        self._tensors[key] = tensor
        while len(self._tensors) > self.size:
            self._tensors.popitem(last=False)
        return tensor


class PredictionServer:
    def __init__(self, client: redis.Redis, keys: Keys, pool: ModelPool, prompts: PromptCache, *,
                 window_s: float, max_rows: int) -> None:
        self.client, self.keys, self.pool, self.prompts = client, keys, pool, prompts
        self.window_s, self.max_rows = window_s, max_rows

    def serve_once(self, wait_s: float = 1.0) -> int:
        """Answer one batch of waiting calls; how many were answered (0 when none came)."""
        batch = take_batch(self.client, self.keys, wait_s=wait_s, window_s=self.window_s, max_rows=self.max_rows)
        if not batch:
            return 0
        started = time.monotonic()
        replies: dict[str, Reply] = {}
        passes = 0
        by_model: dict[tuple[str, str], list[Message]] = defaultdict(list)
        for message in batch:
            by_model[(message["source"], message["precision"])].append(message)
        for (source, precision), messages in by_model.items():
            passes += self._answer(source, precision, messages, replies)
        busy_ms = int((time.monotonic() - started) * 1000)
        # Counted before replying, so whoever reads a reply also finds it counted.
        count_batch(self.client, self.keys, requests=len(batch), forward_passes=passes, busy_ms=busy_ms)
        send_replies(self.client, self.keys, replies)
        logger.info("answered %d calls in %d forward passes (%d ms)", len(batch), passes, busy_ms)
        return len(batch)

    def _answer(self, source: str, precision: str, messages: list[Message], replies: dict[str, Reply]) -> int:
        """Answer `messages` on one base model into `replies`; the forward passes it took."""
        try:
            base = self.pool.get(source).base
        except Exception as exc:  # noqa: BLE001 - every asker hears why, the server goes on
            logger.exception("could not load base model %s", source)
            replies.update({m["id"]: {"error": f"the base model could not be loaded ({exc})"} for m in messages})
            return 0
        requests: dict[str, list[ServeRequest]] = {}
        for message in messages:
            try:
                requests[message["id"]] = [self._request(base, part) for part in message["parts"]]
            except Exception as exc:  # noqa: BLE001 - a bad prompt file fails its own call only
                logger.warning("call %s refused: %s", message["id"], exc)
                replies[message["id"]] = {"error": str(exc)}
        flat = [request for parts in requests.values() for request in parts]
        if not flat:
            return 0
        try:
            answered = answer_requests(base, flat, max_rows=self.max_rows, precision=precision)
        except Exception as exc:  # noqa: BLE001
            logger.exception("a batch of %d calls failed", len(requests))
            replies.update({message_id: {"error": f"{exc.__class__.__name__}: {exc}"} for message_id in requests})
            return 0
        answers = iter(answered.answers)
        for message_id, parts in requests.items():
            replies[message_id] = {"parts": [_reply_part(next(answers)) for _ in parts]}
        return answered.forward_passes

    def _request(self, base: FrozenT5, part: Part) -> ServeRequest:
        return ServeRequest(
            prompts=[self.prompts.get(base, f, sha or None) for f, sha in
                     zip(part["prompts"], part.get("sha256s") or [""] * len(part["prompts"]), strict=True)],
            texts=part["texts"],
            label_words=part["labels"], max_input_length=part["max_input_length"],
            max_target_length=part["max_target_length"])


def _reply_part(answer: ServeAnswer) -> dict[str, Any]:
    if answer.scores is not None:
        return {"scores": answer.scores.tolist()}
    return {"texts": answer.texts}


class AliveThread(threading.Thread):
    """Keeps the liveness key fresh, also while a model loads or a big batch runs."""

    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        super().__init__(name="serving-alive", daemon=True)
        self.client, self.keys = client, keys
        self.stopped = threading.Event()
        self.who = {"host": socket.gethostname(), "pid": os.getpid(), "since": time.time()}

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                mark_alive(self.client, self.keys, self.who)
            except redis.RedisError as exc:
                logger.warning("cannot mark the server alive: %s", exc)
            self.stopped.wait(ALIVE_TTL_S / 4)
        try:
            mark_gone(self.client, self.keys)
        except redis.RedisError:
            pass


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    import django

    django.setup()
    from django.conf import settings

    from webapp.lib import media

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if settings.TORCH_NUM_THREADS:
        torch.set_num_threads(settings.TORCH_NUM_THREADS)
    keys = Keys(settings.SERVING_NAMESPACE)
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=10, socket_connect_timeout=5)
    server = PredictionServer(client, keys, ModelPool(settings.MODEL_POOL_MEMORY_BUDGET),
                              PromptCache(media.local_path),
                              window_s=settings.SERVING_BATCH_WINDOW_MS / 1000, max_rows=settings.SERVING_MAX_ROWS)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    alive = AliveThread(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5), keys)
    alive.start()
    logger.info("prediction server ready (window %d ms, %d rows a pass, namespace %s)",
                settings.SERVING_BATCH_WINDOW_MS, settings.SERVING_MAX_ROWS, keys.namespace)
    try:
        while not stopping.is_set():
            try:
                server.serve_once()
            except redis.RedisError as exc:
                logger.warning("Redis unavailable (%s); retrying in 2 s", exc)
                stopping.wait(2)
    finally:
        alive.stopped.set()
        alive.join(timeout=5)
        logger.info("prediction server stopped")


if __name__ == "__main__":
    main()
