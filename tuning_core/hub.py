"""Where a base model comes from: a Hugging Face hub id or a local folder.

Without torch, for the web process, which names a base model's source but never loads one.
"""

from __future__ import annotations


def is_hub_id(source: str) -> bool:
    """A Hugging Face hub id ("t5-base", "google/t5-base-lm-adapt") rather than a local path."""
    return not (source.startswith((".", "/", "~")) or source.count("/") > 1 or "\\" in source)
