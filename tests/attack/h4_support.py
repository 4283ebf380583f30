"""Support for helper H4's attack tests: the app's routes enumerated from the router itself (so a
new form or page cannot be forgotten), a whole-database snapshot to prove "nothing changed", and a
signed-in operator in a browser-like client."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import select

from easypay.db import Database
from easypay.identity import service as identity
from easypay.models import Base
from easypay.web.route import WebRoute
from tests.identity.builders import PASSWORD, new_phone

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Answered to bearer tokens, merchant keys, institution keys or nobody (public PKI and log):
# never to the session cookie, so a cross-site form cannot use them. Checked by a test.
API_PREFIXES = ("/api/", "/v1/", "/online/v1/", "/sandbox/", "/pki/", "/tlog/")
# Operations endpoints: read-only, no cookie.
OPERATIONS = ("/healthz", "/metrics", "/openapi.json", "/docs")
# Columns that a rejected request may legitimately touch: counters of refused attempts.
VOLATILE_TABLES = frozenset({"rate_limit_counters"})
_PARAM = re.compile(r"\{[^}]+\}")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    is_page: bool  # served by the web router (CSRF-checked, cookie-authenticated)

    @property
    def url(self) -> str:
        """The path with every parameter filled: CSRF and headers come before the handler."""
        return _PARAM.sub("1", self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _walk(routes: list[Any], found: list[Endpoint]) -> None:
    for route in routes:
        candidates = getattr(route, "effective_candidates", None)
        if candidates is not None:  # an included router (FastAPI keeps them nested)
            _walk(candidates(), found)
            continue
        original = getattr(route, "original_route", route)
        path = getattr(route, "path", None)
        methods = getattr(route, "methods", None)
        if path is None or not methods:
            continue  # mounts (static files, the sandboxes) are listed separately
        for method in sorted(methods):
            if method == "HEAD":
                continue
            found.append(
                Endpoint(method, path, isinstance(original, WebRoute) and _is_page(original))
            )


def _is_page(route: APIRoute) -> bool:
    return not route.include_in_schema


def endpoints(app: FastAPI) -> list[Endpoint]:
    found: list[Endpoint] = []
    _walk(list(app.routes), found)
    return found


def mounts(app: FastAPI) -> list[str]:
    return [route.path for route in app.routes if type(route).__name__ == "Mount"]


def unsafe_pages(app: FastAPI) -> list[Endpoint]:
    return [e for e in endpoints(app) if e.is_page and e.method in UNSAFE]


def get_pages(app: FastAPI) -> list[Endpoint]:
    return [e for e in endpoints(app) if e.is_page and e.method == "GET"]


def is_api(path: str) -> bool:
    return path.startswith(API_PREFIXES)


async def snapshot(database: Database, skip: frozenset[str] = VOLATILE_TABLES) -> dict[str, Any]:
    """Every row of every table (but the refused-attempt counters), in a stable order."""
    dump: dict[str, Any] = {}
    async with database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in skip:
                continue
            rows = (await session.execute(select(table))).all()
            dump[table.name] = sorted((tuple(map(repr, row)) for row in rows), key=repr)
    return dump


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


async def web_sign_in(client: httpx.AsyncClient, phone: str, password: str = PASSWORD) -> str:
    """Sign in through the pages; the CSRF token of the new session."""
    page = await client.get("/signin")
    response = await client.post(
        "/signin", data={"phone": phone, "password": password, "csrf_token": csrf_of(page.text)}
    )
    assert response.status_code == 303, response.text
    return csrf_of((await client.get("/settings")).text)


async def operator(database: Database) -> str:
    """A new operator (as `easypay admin create-operator` makes one); their local phone."""
    phone = new_phone()
    async with database.transaction() as session:
        await identity.sign_up(
            session, phone, "운영자", date(1985, 1, 2), PASSWORD, is_operator=True
        )
    return phone
