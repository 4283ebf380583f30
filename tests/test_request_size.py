"""A request body larger than `max_request_bytes` is refused (413) before it is read into
memory, on the API and on the pages alike; one just under the limit is read as usual."""

from __future__ import annotations

import httpx


async def test_a_body_over_the_limit_is_refused(client: httpx.AsyncClient, settings) -> None:
    limit = settings.max_request_bytes
    big = b"x" * (limit + 1)
    for path in ("/api/v1/users", "/signin", "/v1/payment/ready"):
        response = await client.post(
            path, content=big, headers={"Content-Type": "application/octet-stream"}
        )
        assert response.status_code == 413, (path, response.status_code)
    response = await client.post(
        "/api/v1/users",
        content=b"{" + b" " * (limit - 10) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422  # read, and refused for what it says
