from __future__ import annotations

from typing import Any

from django import template

from tuning_core.errors import DataProblem

register = template.Library()


@register.filter
def problem_place(problem: DataProblem | dict[str, Any]) -> str:
    """Where a problem is, in words ("line 3 of data.csv"); problems are stored as dicts."""
    if isinstance(problem, dict):
        problem = DataProblem.from_dict(problem)
    return problem.place or ""
