"""Keyset (cursor) pagination: stable under inserts, cheap at any depth."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T] = Field(description="This page, newest first.")
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` to get the next page; absent on the last page."
    )
