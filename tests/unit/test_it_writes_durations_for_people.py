"""Durations and ETAs read as `2 min 40 s`, not `160 s`."""

from __future__ import annotations

import pytest

from webapp.lib.durations import human_duration


@pytest.mark.parametrize(("seconds", "text"), [
    (None, "—"), (0, "0 s"), (44.6, "45 s"), (60, "1 min"), (160, "2 min 40 s"),
    (3195, "53 min 15 s"), (3600, "1 h"), (3900, "1 h 5 min"), (90061, "25 h 1 min"),
])
def test_it_writes_durations_for_people(seconds: float | None, text: str) -> None:
    assert human_duration(seconds) == text
