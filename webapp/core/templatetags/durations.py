from __future__ import annotations

from django import template

from webapp.lib.durations import human_duration

register = template.Library()
register.filter("duration", human_duration)
