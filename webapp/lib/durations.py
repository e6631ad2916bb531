"""Durations as people read them: `2 min 40 s`, not `160 s` or `3195.4`."""

from __future__ import annotations


def human_duration(seconds: float | None) -> str:
    """`45 s`, `2 min 40 s`, `1 h 5 min`; an em dash for an unknown duration."""
    if seconds is None or seconds < 0:
        return "—"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"
