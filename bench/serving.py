"""Predict throughput (issue 11 item 7): 8 concurrent clients on 8 different prompts, answered by
the real prediction server batching them vs the same server taking one call at a time.

Everything real but the web server: a private Redis (started here), two prediction servers
(`python -m workers.serving`, each a process of its own on its own queue namespace), and the
clients as threads of this process calling `webapp.lib.prediction_calls.ask`, as the API does. "One at a
time" is a server with SERVING_MAX_ROWS 1 (each batch closes at its first call, so every call is a
forward pass of its own); "batched" uses the defaults (15 ms window, 64 rows). The two alternate,
`--repeats` times each after a warm-up round, and the ratio is of the medians.

    .venv/bin/python bench/serving.py --threads 1
    .venv/bin/python bench/serving.py --smoke      # seconds: that it runs, not what it says

Model: the small random T5 of bench/engine.py (`--shape t5-small` for t5-small's sizes), prompts of
100 tokens, one Rotten-Tomatoes-like input per call, rank classification over two labels. Never
assert on these in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _children import Server, start_python  # noqa: E402
from engine import SHAPES, build_model  # noqa: E402
from train_step import WORDS  # noqa: E402

# --smoke: the smallest sizes that still take every path of the full run (Redis, both prediction
# servers, a warm-up and a measured round each, calls batched from more than one client, the
# engine's two sides), so that CI notices a bench that no longer runs
# (tests/integration/test_every_bench_runs.py). Its numbers mean nothing.
SMOKE = {"shape": "smoke", "clients": 2, "calls": 1, "prompt_length": 5, "repeats": 1, "threads": 1}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(directory)], stdout=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    return process, f"redis://127.0.0.1:{port}/0"


def bench_env(redis_url: str, media: Path) -> None:
    """The settings this process and its servers share (the servers read them when they start)."""
    os.environ.update(DJANGO_SETTINGS_MODULE="webapp.settings", DEBUG="1", REDIS_URL=redis_url,
                      MEDIA_ROOT=str(media), SERVING_NAMESPACE=f"bench:{os.getpid()}",
                      SERVING_QUEUE_LIMIT="1000", SERVING_REPLY_TIMEOUT_S="300")


def run_clients(source: str, parts: list[dict[str, Any]], calls_each: int) -> float:
    """Seconds for every client to make `calls_each` calls, one after another, all clients at once."""
    from webapp.lib.prediction_calls import ask

    start = threading.Barrier(len(parts) + 1)

    def client(part: dict[str, Any]) -> None:
        start.wait()
        for _ in range(calls_each):
            ask(source, "fp32", [part])  # type: ignore[list-item]

    threads = [threading.Thread(target=client, args=(part,)) for part in parts]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def start_server(namespace: str, batching: dict[str, str], threads: int | None, *, forked: bool) -> Server:
    env = {**os.environ, "SERVING_NAMESPACE": namespace, **batching, "TORCH_NUM_THREADS": str(threads or 0)}
    return start_python(["-m", "workers.serving"], forked=forked, env=env)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shape", choices=sorted(SHAPES), default="small")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients, each with its own prompt")
    p.add_argument("--calls", type=int, default=6, help="calls per client per measurement")
    p.add_argument("--prompt-length", type=int, default=100)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--smoke", action="store_true",
                   help="a tiny model, 2 clients, one call each, one round: seconds; that it runs, not what it says")
    args = p.parse_args(argv)
    if args.smoke:
        vars(args).update(SMOKE)
    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        redis_process, redis_url = start_redis(tmp)
        try:
            print(json.dumps(measure(args, tmp, redis_url)))
        finally:
            redis_process.terminate()
            redis_process.wait()
    return 0


def measure(args: argparse.Namespace, tmp: Path, redis_url: str) -> dict[str, Any]:
    media = tmp / "media"
    bench_env(redis_url, media)
    # "One at a time": each batch closes at its first call. "Batched": the server's own settings.
    modes = {"one_at_a_time": {"SERVING_MAX_ROWS": "1", "SERVING_BATCH_WINDOW_MS": "15"}, "batched": {}}
    # Started before this process sets up Django: a forked server (--smoke) reads its own settings.
    servers = {mode: start_server(f"bench:{mode}", batching, args.threads, forked=args.smoke)
               for mode, batching in modes.items()}
    try:
        import django

        django.setup()
        from django.conf import settings

        from tuning_core.model import load_base_model

        model = build_model(args.shape, tmp / "model")
        base = load_base_model(str(model), device="cpu")
        parts = write_parts(args, media, base.info.d_model)
        rounds = serve_rounds(args, servers, str(model), parts)
    finally:
        # Both at once: each takes a second or two to finish its wait for calls and exit.
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            server.wait()
    engine = engine_ratio(base, media, parts, args.repeats)
    return {"shape": args.shape, "threads": args.threads, "clients": args.clients, **rounds,
            "window_ms": settings.SERVING_BATCH_WINDOW_MS, "max_rows": settings.SERVING_MAX_ROWS, **engine}


def write_parts(args: argparse.Namespace, media: Path, d_model: int) -> list[dict[str, Any]]:
    """Each client's call: a prompt file of its own and one review."""
    from tuning_core.export import save_prompt

    rng = random.Random(0)
    parts = []
    for i in range(args.clients):
        prompt = torch.randn(args.prompt_length, d_model, generator=torch.Generator().manual_seed(i))
        save_prompt(prompt, media / f"p{i}")
        text = "review: " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 30)))
        parts.append({"prompts": [f"p{i}/prompt.safetensors"], "texts": [text], "labels": ["negative", "positive"],
                      "max_input_length": 128, "max_target_length": 4})
    return parts


def serve_rounds(args: argparse.Namespace, servers: dict[str, Server], model: str,
                 parts: list[dict[str, Any]]) -> dict[str, Any]:
    import redis
    from django.conf import settings
    from django.test import override_settings

    from webapp.lib.prediction_calls import Keys, read_stats

    client = redis.Redis.from_url(settings.REDIS_URL)
    seconds: dict[str, list[float]] = {mode: [] for mode in servers}
    batch_sizes: dict[str, list[float]] = {mode: [] for mode in servers}
    busy_ms: dict[str, list[float]] = {mode: [] for mode in servers}
    for repeat in range(args.repeats + 1):  # the first round loads the model and warms up: not counted
        for mode, server in servers.items():
            names = Keys(f"bench:{mode}")
            with override_settings(SERVING_NAMESPACE=names.namespace):
                wait_until_alive(client, names, server)
                before = read_stats(client, names)
                took = run_clients(model, parts, args.calls)
                after = read_stats(client, names)
            if repeat:
                seconds[mode].append(took)
                batches = after["batches"] - before.get("batches", 0)
                batch_sizes[mode].append((after["requests"] - before.get("requests", 0)) / batches)
                busy_ms[mode].append((after["busy_ms"] - before.get("busy_ms", 0)) / batches)
    calls = args.clients * args.calls
    serial = statistics.median(seconds["one_at_a_time"])
    batched = statistics.median(seconds["batched"])
    return {
        "calls": calls,
        "one_at_a_time_calls_per_s": round(calls / serial, 2), "batched_calls_per_s": round(calls / batched, 2),
        "batched_over_one_at_a_time": round(serial / batched, 2),
        "mean_calls_per_batch": {mode: round(statistics.mean(v), 2) for mode, v in batch_sizes.items()},
        "server_busy_ms_per_batch": {mode: round(statistics.mean(v), 1) for mode, v in busy_ms.items()},
    }


def engine_ratio(base: Any, media: Path, parts: list[dict[str, Any]], repeats: int) -> dict[str, float]:
    """The same calls without queue or processes: `answer_requests` on all of them at once vs one by one,
    in this process. What batching can gain at most on this machine."""
    from tuning_core.export import load_prompt
    from tuning_core.serving import ServeRequest, answer_requests

    base.model.eval()
    requests = [ServeRequest([load_prompt(media / part["prompts"][0], base=base)[0]], part["texts"], part["labels"],
                             part["max_input_length"], part["max_target_length"]) for part in parts]
    timings: dict[str, list[float]] = {"one_by_one": [], "together": []}
    for repeat in range(repeats + 1):
        began = time.perf_counter()
        for request in requests:
            answer_requests(base, [request], precision="fp32")
        one_by_one = time.perf_counter() - began
        began = time.perf_counter()
        answer_requests(base, requests, precision="fp32")
        together = time.perf_counter() - began
        if repeat:
            timings["one_by_one"].append(one_by_one)
            timings["together"].append(together)
    one, many = statistics.median(timings["one_by_one"]), statistics.median(timings["together"])
    return {"engine_one_by_one_ms": round(one * 1000, 1), "engine_together_ms": round(many * 1000, 1),
            "engine_together_over_one_by_one": round(one / many, 2)}


def wait_until_alive(client: Any, names: Any, server: Server) -> None:
    for _ in range(600):
        if client.exists(names.alive):
            return
        if (status := server.poll()) is not None:
            raise SystemExit(f"the prediction server exited with status {status}")
        time.sleep(0.1)
    raise SystemExit("the prediction server did not start within a minute")


if __name__ == "__main__":
    raise SystemExit(main())
