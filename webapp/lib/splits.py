"""Reading a processed split (an Arrow folder) from disk, from any thread.

`datasets.load_from_disk` reads its shards through tqdm's `thread_map`, which creates and then
deletes a lock on the tqdm class without a lock of its own: two threads loading at once fail with
"type object 'tqdm' has no attribute '_lock'" (seen in the worker's thread pool, where the jobs of
a fused group load their splits together). A load only maps the files, so loads take turns.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

_lock = threading.Lock()


def load_split(path: str | Path) -> Any:
    """The `datasets.Dataset` saved at `path`."""
    import datasets

    with _lock:
        return datasets.load_from_disk(str(path))
