"""Schemas every area shares: the error shape, the error answers an endpoint declares, and a
reference to a named object."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from ninja import Schema
from pydantic import BeforeValidator, Field

T = TypeVar("T")


def _blank_is_none(value: Any) -> Any:
    return None if value == "" else value


# A field a client may leave out or send empty (an HTML form sends "" for an empty input).
Blankable = Annotated[T | None, BeforeValidator(_blank_is_none)]


class NamedRef(Schema):
    """Another object, by id and the name a person gave it."""

    id: int
    name: str


class ErrorDetail(Schema):
    file: str | None = None
    line: int | None = Field(None, description="Line of a text file, counting the header")
    row: int | None = Field(None, description="1-based record number where there are no lines (Parquet)")
    column: str | None = None
    field: str | None = Field(None, description="The request field")
    code: str | None = Field(None, description="The kind of data problem, e.g. unknown_template_column, "
                                               "unmapped_label (tuning_core.errors.ProblemCode)")
    message: str
    severity: Literal["error", "warning"] | None = None


class Error(Schema):
    """Every error, 4xx and 5xx: what went wrong in one sentence, and the details."""

    error: str = Field(description="What went wrong, in one sentence")
    details: list[ErrorDetail]


# Every authenticated endpoint can answer these.
COMMON_ERRORS = (401, 503)


def errors(*codes: int) -> dict[int, Any]:
    """The `response` entries for the error statuses an endpoint declares (plus 401 and 503)."""
    return {code: Error for code in sorted({*codes, *COMMON_ERRORS})}
