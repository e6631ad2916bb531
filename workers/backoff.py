"""The waits between tries of a call that outlasts an outage: one schedule for every retry loop."""

from __future__ import annotations

import time
from collections.abc import Iterator

FIRST_DELAY_S = 0.5
LONGEST_DELAY_S = 8.0


def backoff_delays(seconds: float) -> Iterator[float]:
    """0.5, 1, 2, 4, 8, 8, ... seconds, for as long as the next wait ends within `seconds` from now."""
    deadline = time.monotonic() + seconds
    delay = FIRST_DELAY_S
    while time.monotonic() + delay <= deadline:
        yield delay
        delay = min(delay * 2, LONGEST_DELAY_S)


def first_line(exc: BaseException) -> str:
    """An exception said in one line, for a log."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
