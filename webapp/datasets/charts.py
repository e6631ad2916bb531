"""Geometry for the inline SVG charts the templates draw (no chart library, nothing from a CDN).

Labels from user files go into the template as text, where Django escapes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    share: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    total: int
    x_label: str = ""
    y_label: str = ""


LABEL_WIDTH = 160
ROW_HEIGHT = 26


def label_bars(counts: dict[str, int], width: int = 640) -> Chart:
    """Horizontal bars, one per label, most frequent first."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    top = max((v for _, v in items), default=0) or 1
    total = sum(v for _, v in items) or 1
    span = width - LABEL_WIDTH - 90
    bars = [
        Bar(label=k, value=v, x=LABEL_WIDTH, y=i * ROW_HEIGHT + 4, width=max(1.0, span * v / top),
            height=ROW_HEIGHT - 8, share=v / total)
        for i, (k, v) in enumerate(items)
    ]
    return Chart(width=width, height=max(1, len(items)) * ROW_HEIGHT + 4, bars=bars, total=sum(counts.values()))


def histogram_bars(hist: dict[str, Any], x_label: str, width: int = 640, height: int = 180) -> Chart:
    """Vertical bars for {"edges": [...], "counts": [...]}: bar i covers [edges[i], edges[i+1])."""
    counts = hist.get("counts", [])
    edges = hist.get("edges", [])
    top = max(counts, default=0) or 1
    plot_h = height - 44  # room for the axis label above and the bin labels below
    step = (width - 50) / max(1, len(counts))
    bars = []
    for i, c in enumerate(counts):
        h = plot_h * c / top
        bars.append(Bar(label=f"{edges[i]}–{edges[i + 1] - 1}", value=c, x=40 + i * step, y=18 + plot_h - h,
                        width=max(1.0, step - 2), height=h, share=c / (sum(counts) or 1)))
    return Chart(width=width, height=height, bars=bars, total=sum(counts), x_label=x_label)
