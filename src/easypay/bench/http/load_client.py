"""The load generator's HTTP client for the timed flows.

aiohttp instead of httpx (which the set-up still uses): the generator shares the two cores with
the server and PostgreSQL (the issue's terms), and httpx spent ~1.9 ms of CPU per request —
a tenth of the machine at full load, taken from the server it measures."""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

# What a request can fail with before any answer (refused, cut, timed out).
TRANSPORT_ERRORS = (aiohttp.ClientError, TimeoutError)


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    headers: Mapping[str, str]
    content: bytes

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode()


class LoadClient:
    """One keep-alive pool for all clients (a connection per client), no cookies kept, no
    redirects followed: each user sends their own cookies and reads the redirect itself."""

    def __init__(self, base_url: str, concurrency: int) -> None:
        self.base_url = base_url.rstrip("/")
        self.concurrency = concurrency
        self._session: aiohttp.ClientSession | None = None

    def _opened(self) -> aiohttp.ClientSession:
        if self._session is None:  # made on first use: aiohttp wants the running loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.concurrency),
                cookie_jar=aiohttp.DummyCookieJar(),
                timeout=aiohttp.ClientTimeout(total=60),
            )
        return self._session

    async def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        async with self._opened().request(
            method,
            self.base_url + url,
            json=json,
            data=data,
            params=params,
            headers=headers,
            allow_redirects=False,
        ) as response:
            return Answer(response.status, response.headers, await response.read())

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
