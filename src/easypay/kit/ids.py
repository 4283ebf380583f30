"""Identifier types shared by endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import Field, StrictInt

MAX_ID = 2**63 - 1

# A path id: positive and within 64 bits, so a huge number is a 422, never a database error.
PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="Id.")]

# An id in a JSON body: a real integer (not "1" or 1.0), positive and within 64 bits.
BodyId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
