"""The prediction queue in Redis: the web side asks and waits, the prediction server answers.

A message is one predict call: its base model, precision and parts (one per input template: a
version has one part, an ensemble one per template among its members). The asker pushes it onto a
list, refusing when the list is past SERVING_QUEUE_LIMIT, then blocks on a reply list of its own.
The server pops messages, drops those whose asker has given up (`expires_at`), and pushes each
reply. It keeps a liveness key fresh while it runs, so an asker can tell "no server" at once
instead of waiting for a timeout, and counts requests and forward passes (read by tests and
`stats`).
"""

from __future__ import annotations

import functools
import json
import math
import time
import uuid
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

import redis
from django.conf import settings

ALIVE_TTL_S = 10
REPLY_TTL_S = 60
POLL_S = 0.0005  # how often the batching window looks for more calls


class Part(TypedDict):
    prompts: list[str]  # the prompt files' storage names
    # Each file's recorded sha256 (in the order of `prompts`): a server that fetches a file from
    # object storage checks its copy against it. Absent in calls of an older web process.
    sha256s: NotRequired[list[str]]
    texts: list[str]  # inputs through the template
    labels: list[str] | None  # None: generate text
    max_input_length: int
    max_target_length: int


class Message(TypedDict):
    id: str
    source: str  # the base model's source (path or hub id)
    precision: str
    parts: list[Part]
    expires_at: float  # epoch seconds; the asker has given up after this


class Reply(TypedDict, total=False):
    # per part: scores (K, N, L) for classification, texts (K, N) for generation
    parts: list[dict[str, Any]]
    error: str


class ServingError(Exception):
    status = 500
    retry_after: int | None = None


class ServingUnavailable(ServingError):
    status = 503
    retry_after = 5


class ServingBusy(ServingError):
    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServingTimeout(ServingError):
    status = 504


@dataclass(frozen=True)
class Keys:
    """Every key lives under one namespace (tests use their own to stay apart from a running server)."""

    namespace: str

    @property
    def queue(self) -> str:
        return f"{self.namespace}:queue"

    @property
    def alive(self) -> str:
        return f"{self.namespace}:alive"

    @property
    def stats(self) -> str:
        return f"{self.namespace}:stats"

    def reply(self, message_id: str) -> str:
        return f"{self.namespace}:reply:{message_id}"


def keys() -> Keys:
    return Keys(settings.SERVING_NAMESPACE)


def connect(read_timeout_s: float = 5) -> redis.Redis:
    """A client on this process's shared connection pool for (REDIS_URL, timeout): a predict call
    should not pay for a new connection."""
    return _client(settings.REDIS_URL, read_timeout_s)


@functools.lru_cache(maxsize=8)
def _client(url: str, read_timeout_s: float) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=read_timeout_s, socket_connect_timeout=2)


def rows_of(message: Message) -> int:
    return sum(len(part["prompts"]) * len(part["texts"]) for part in message["parts"])


# ------------------------------------------------------------------------------------------------
# the asking side (web)


def ask(source: str, precision: str, parts: list[Part]) -> Reply:
    """Queue one predict call and wait for its reply; raises a ServingError saying what went wrong."""
    timeout = settings.SERVING_REPLY_TIMEOUT_S
    names = keys()
    client = connect(read_timeout_s=timeout + 5)
    try:
        if not client.exists(names.alive):
            raise ServingUnavailable(
                "The prediction server is not running: it starts with `make run` (or compose's `serving` "
                "service). Try again in a few seconds.")
        message: Message = {"id": uuid.uuid4().hex, "source": source, "precision": precision, "parts": parts,
                            "expires_at": time.time() + timeout}
        payload = json.dumps(message)
        waiting = int(client.rpush(names.queue, payload))
        if waiting > settings.SERVING_QUEUE_LIMIT:
            client.lrem(names.queue, 1, payload)
            raise ServingBusy(f"The prediction server has {waiting - 1} calls waiting, its limit; try again shortly.",
                              retry_after=_retry_after(client, names, waiting))
        popped = client.blpop([names.reply(message["id"])], timeout=timeout)
    except redis.RedisError as exc:
        raise ServingUnavailable(f"Redis, which carries predict calls, cannot be reached ({exc.__class__.__name__})") \
            from None
    if popped is None:
        raise ServingTimeout(f"The prediction server did not answer within {timeout} s; try again, or with fewer inputs.")
    reply: Reply = json.loads(popped[1])
    if "error" in reply:
        raise ServingError(f"The prediction server could not answer: {reply['error']}")
    return reply


def prediction_server_alive() -> dict[str, Any] | None:
    """What the running prediction server wrote about itself (host, pid, since), or None."""
    raw: Any = connect(read_timeout_s=2).get(keys().alive)
    return None if raw is None else dict(json.loads(raw))


def _retry_after(client: redis.Redis, names: Keys, waiting: int) -> int:
    """Seconds until the queue has likely drained: its length times the mean seconds per request."""
    stats = read_stats(client, names)
    per_request = stats.get("busy_ms", 0) / 1000 / max(1, stats.get("requests", 0))
    return max(1, math.ceil(waiting * per_request))


# ------------------------------------------------------------------------------------------------
# the answering side (workers/serving.py)


def take_batch(client: redis.Redis, names: Keys, *, wait_s: float, window_s: float, max_rows: int) -> list[Message]:
    """Messages to answer together: the first within `wait_s` (none: []), then each next one that
    arrives within `window_s` of the one before (at most 4 windows in all), until they hold
    `max_rows` rows. Messages whose asker gave up are dropped.

    The window restarts at each arrival because clients answered by the last batch call again one by
    one: a fixed window would leave the slowest for a pass of its own."""
    first = _pop_within(client, names, wait_s)
    if first is None:
        return []
    batch: list[Message] = [json.loads(first)]
    rows = rows_of(batch[0])
    # Polled, not BLPOP: Redis wakes a blocked client's timeout only on its next tick (up to 100 ms
    # at the default hz 10), which would stretch a window of milliseconds.
    last_call = time.monotonic() + 4 * window_s
    closes = min(time.monotonic() + window_s, last_call)
    while rows < max_rows:
        raw: Any = client.lpop(names.queue)
        if raw is None:
            if time.monotonic() >= closes:
                break
            time.sleep(POLL_S)
            continue
        batch.append(json.loads(raw))
        rows += rows_of(batch[-1])
        closes = min(time.monotonic() + window_s, last_call)
    now = time.time()
    return [m for m in batch if m["expires_at"] > now]


def _pop_within(client: redis.Redis, names: Keys, seconds: float) -> bytes | None:
    popped: Any = client.blpop([names.queue], timeout=max(seconds, 0.001))
    return None if popped is None else popped[1]


def send_replies(client: redis.Redis, names: Keys, replies: dict[str, Reply]) -> None:
    """Every reply of a batch in one round trip, so its askers call again together."""
    pipe = client.pipeline(transaction=False)
    for message_id, reply in replies.items():
        key = names.reply(message_id)
        pipe.rpush(key, json.dumps(reply))
        pipe.expire(key, REPLY_TTL_S)  # an asker that gave up never reads it
    pipe.execute()


def mark_alive(client: redis.Redis, names: Keys, who: dict[str, Any]) -> None:
    client.set(names.alive, json.dumps(who), ex=ALIVE_TTL_S)


def mark_gone(client: redis.Redis, names: Keys) -> None:
    client.delete(names.alive)


def count_batch(client: redis.Redis, names: Keys, *, requests: int, forward_passes: int, busy_ms: int) -> None:
    pipe = client.pipeline()
    pipe.hincrby(names.stats, "batches", 1)
    pipe.hincrby(names.stats, "requests", requests)
    pipe.hincrby(names.stats, "forward_passes", forward_passes)
    pipe.hincrby(names.stats, "busy_ms", busy_ms)
    pipe.execute()


def read_stats(client: redis.Redis, names: Keys) -> dict[str, int]:
    """batches, requests, forward_passes and busy_ms since the counters began."""
    stats: dict[Any, Any] = client.hgetall(names.stats)  # type: ignore[assignment]
    return {key.decode(): int(value) for key, value in stats.items()}
