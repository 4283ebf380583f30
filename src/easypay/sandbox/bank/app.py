"""Placeholder: replaced by the sandbox bank implementation."""

from fastapi import FastAPI

from easypay.config import Settings
from easypay.db import Database


def create_bank_app(database: Database, settings: Settings) -> FastAPI:
    return FastAPI()
