"""File-storage helpers shared by the apps that keep files under MEDIA_ROOT."""

from __future__ import annotations

import shutil
from pathlib import Path


def remove_tree(path: Path) -> None:
    """Delete a directory we own; already gone is fine (cleanup runs after failures too)."""
    shutil.rmtree(path, ignore_errors=True)


def human_size(n: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if value.is_integer() else f"{value:.1f} {unit}"
    return f"{n} bytes"
