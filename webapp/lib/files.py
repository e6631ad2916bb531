"""File-storage helpers shared by the apps that keep files under MEDIA_ROOT."""

from __future__ import annotations

import shutil
from pathlib import Path


def remove_tree(path: Path) -> None:
    """Delete a directory we own; already gone is fine (cleanup runs after failures too)."""
    shutil.rmtree(path, ignore_errors=True)
