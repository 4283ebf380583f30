"""Issue 6 (H3, fuzzing): a body that cannot be decoded is the documented 422, and the OpenAPI
description of 422 answers is EasyPay's `{"error", "detail"}`, not FastAPI's default."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI


async def test_an_undecodable_body_is_a_422_like_malformed_json(client: httpx.AsyncClient) -> None:
    for body in (b"\xff\xfe", b"{"):
        response = await client.post(
            "/api/v1/sessions", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "ValidationError"
        assert set(response.json()) == {"error", "detail"}


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.rsplit("/", 1)[-1]
    resolved: dict[str, Any] = spec["components"]["schemas"][name]
    return resolved


def test_every_documented_422_is_the_error_envelope(app: FastAPI) -> None:
    spec = app.openapi()
    seen = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            answer = operation.get("responses", {}).get("422")
            if answer is None:
                continue
            schema = _resolve(spec, answer["content"]["application/json"]["schema"])
            assert set(schema["properties"]) == {"error", "detail"}, (method, path)
            assert schema["properties"]["detail"]["type"] == "string", (method, path)
            seen += 1
    assert seen > 50


def test_the_kakaopay_paths_document_their_error_envelopes(app: FastAPI) -> None:
    spec = app.openapi()
    for prefix, keys in (
        ("/v1/payment/", {"code", "msg"}),
        ("/online/v1/payment/", {"error_code", "error_message"}),
    ):
        paths = [p for p in spec["paths"] if p.startswith(prefix)]
        assert len(paths) == 7
        for path in paths:
            responses = spec["paths"][path]["post"]["responses"]
            assert {"200", "400", "401"} <= set(responses), path
            schema = _resolve(spec, responses["400"]["content"]["application/json"]["schema"])
            assert keys | {"extras"} == set(schema["properties"]), path
