"""What every paged table's links need to know."""

from __future__ import annotations


class PageLinks:
    """`has_previous` / `has_next` for a page (1-based `page` of `num_pages`): mixed into the
    dataclasses that carry a page of rows to a template."""

    page: int
    num_pages: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages
