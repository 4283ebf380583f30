"""Fixtures of the webhook tests: a real HTTP receiver on a free port, and the web tests' headless
browser."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.conftest import web  # noqa: F401 - the browser, for test_pages_browser.py
from tests.webhook.receiver import Receiver, start


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    server = start(found)
    yield found
    found.released.set()
    server.shutdown()
    server.server_close()
