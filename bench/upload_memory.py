"""Peak memory of the web process while it receives a large upload, as a ratio to the file size.

Starts Daphne on the configured database and Redis (PostgreSQL and Redis of `make run`, or
DATABASE_URL / REDIS_URL), with MEDIA_ROOT in a temporary directory, and sends each case to a
fresh server so the kernel's peak-RSS counter (VmHWM) belongs to that case alone:

  accepted   a SIZE CSV through the browser's upload form (streamed to disk, scanned, staged)
  refused    a body twice the limit, declared by Content-Length
  chunked    the same body without a length (counted as it arrives)

Printed: idle RSS, peak RSS, (peak - idle) / file size. The pass mark of issue 12 is
under 300 MB above idle for a 200 MB upload, a ratio under 1.5; a web process that buffered
the body would show a ratio of 1 or more for every case.

    .venv/bin/python bench/upload_memory.py [--size-mb 200]
    .venv/bin/python bench/upload_memory.py --smoke   # seconds: that it runs, not what it says
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
os.environ.setdefault("DEBUG", "1")
MB = 1024 * 1024
BOUNDARY = "sps-bench-boundary"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def make_csv(path: Path, size: int) -> None:
    """Whole rows up to `size` bytes: a last row cut short gets the upload refused for its content
    (a row without its label), and the accepted case then measures a refusal."""
    rows = [f"a {word} film about {i % 97} people,{'positive' if i % 2 else 'negative'}\n".encode()
            for i, word in enumerate(["fine", "dull", "warm", "slow", "bright", "long"] * 50)]
    block = b"".join(rows)
    with path.open("wb") as out:
        out.write(b"text,label\n")
        while out.tell() + len(block) <= size:
            out.write(block)
        for row in rows:
            if out.tell() + len(row) > size:
                break
            out.write(row)


def migrated_session_cookie() -> str:
    """A logged-in session for the bench user (created on first use), on a migrated database."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user, _ = get_user_model().objects.get_or_create(username="bench-upload")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return str(session.session_key)


def body_parts(csv_path: Path, csrf: str) -> tuple[bytes, bytes]:
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n{csrf}\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nbench\r\n"
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode()
    return head, f"\r\n--{BOUNDARY}--\r\n".encode()


def stream(head: bytes, path: Path, tail: bytes) -> Iterator[bytes]:
    yield head
    with path.open("rb") as source:
        while chunk := source.read(MB):
            yield chunk
    yield tail


def run_case(name: str, csv_path: Path, limit: int, chunked: bool, media: Path, session: str,
             settle_s: float) -> tuple[int, str]:
    """Prints the case's line; returns the answer's status and Location."""
    port = free_port()
    env = dict(os.environ, UPLOAD_MAX_BYTES=str(limit), MEDIA_ROOT=str(media), PYTHONUNBUFFERED="1")
    log = (media / f"daphne-{name}.log").open("wb")
    server = subprocess.Popen([str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port),
                               "webapp.asgi:application"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    csrf = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret
    cookies = f"sessionid={session}; csrftoken={csrf}"
    try:
        for _ in range(300):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                connection.request("GET", "/datasets/new/", headers={"Cookie": cookies})
                warm = connection.getresponse()
                warm.read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("Daphne did not start")
        assert warm.status == 200, f"warm-up answered {warm.status}"
        time.sleep(settle_s)  # what the warm-up left to free is freed before idle is read
        idle = rss_kb(server.pid, "VmRSS")
        head, tail = body_parts(csv_path, csrf)
        size = csv_path.stat().st_size
        headers = {"Cookie": cookies, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        started = time.monotonic()
        if chunked:
            connection.request("POST", "/datasets/new/", body=stream(head, csv_path, tail), headers=headers,
                               encode_chunked=True)
        else:
            headers["Content-Length"] = str(len(head) + size + len(tail))
            connection.request("POST", "/datasets/new/", body=stream(head, csv_path, tail), headers=headers)
        response = connection.getresponse()
        response.read()
        seconds = time.monotonic() - started
        peak = rss_kb(server.pid, "VmHWM")
        location = response.getheader("Location") or ""
        answer = f"{response.status} {location}".strip()
        print(f"{name:9} file {size / MB:7.1f} MB  idle {idle / 1024:6.1f} MB  peak {peak / 1024:6.1f} MB  "
              f"(peak - idle) / file = {(peak - idle) * 1024 / size:.3f}   answer {answer} in {seconds:.1f} s")
        return response.status, location
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=200, help="size of the accepted upload")
    parser.add_argument("--smoke", action="store_true",
                        help="a 1 MB upload (every case still runs): seconds; that it runs, not what it says")
    args = parser.parse_args(argv)
    if args.smoke:
        # The smallest file that still takes every case, so that CI notices a bench that no longer
        # runs (tests/integration/test_every_bench_runs.py). The refused body stays 2 x (1 + 8) MB.
        args.size_mb = 1
    size = args.size_mb * MB
    limit = size + 8 * MB  # the accepted file fits; the refused body is twice this
    settle_s = 0.0 if args.smoke else 1.0
    session = migrated_session_cookie()
    with tempfile.TemporaryDirectory(prefix="sps-bench-upload-") as tmp:
        media = Path(tmp)
        accepted, refused = media / "accepted.csv", media / "refused.csv"
        make_csv(accepted, size)
        make_csv(refused, 2 * limit)
        status, location = run_case("accepted", accepted, limit, False, media, session, settle_s)
        # An accepted upload goes on to its own page (/datasets/new/<id>/); an answer from the form
        # itself means the file was refused, and the figures above measured a refusal.
        if status != 302 or location.rstrip("/").endswith("/datasets/new"):
            raise SystemExit(f"the accepted case was not accepted: answer {status} {location}")
        run_case("refused", refused, limit, False, media, session, settle_s)
        run_case("chunked", refused, limit, True, media, session, settle_s)


if __name__ == "__main__":
    main()
