"""Progress publishing for workers (the publisher itself lives in webapp.lib.events,
so services can announce changes without importing workers)."""

from webapp.lib.events import Event, EventKind, job_group, publish, user_group

__all__ = ["Event", "EventKind", "job_group", "publish", "user_group"]
