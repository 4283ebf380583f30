"""Page routes (placeholder until the web app lands)."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
