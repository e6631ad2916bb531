"""`make run` restarts a worker that dies (bin/supervise) instead of taking the web server down."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def wait_for(predicate, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_it_restarts_a_command_that_dies_and_stops_on_sigterm(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    log = tmp_path / "service.log"
    supervisor = subprocess.Popen(
        [str(REPO / "bin" / "supervise"), "dying-service", str(log), "sh", "-c", f"echo started >> {runs}; exit 3"],
        stderr=subprocess.PIPE, text=True,
    )
    try:
        assert wait_for(lambda: runs.exists() and len(runs.read_text().splitlines()) >= 2), "not restarted"
    finally:
        supervisor.send_signal(signal.SIGTERM)
        _, stderr = supervisor.communicate(timeout=20)
    assert supervisor.returncode == 0
    assert "dying-service exited with status 3; restarting in 1 s" in stderr


def test_sigterm_stops_the_running_command(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    supervisor = subprocess.Popen(
        [str(REPO / "bin" / "supervise"), "sleeper", str(tmp_path / "log"), "sh", "-c", f"echo $$ > {pid_file}; exec sleep 300"],
    )
    assert wait_for(lambda: pid_file.exists() and pid_file.read_text().strip() != "")
    child = int(pid_file.read_text())
    supervisor.send_signal(signal.SIGTERM)
    supervisor.wait(timeout=20)
    assert not Path(f"/proc/{child}").exists() or "zombie" in Path(f"/proc/{child}/status").read_text().lower()
