"""The public log API as an outside auditor uses it: verify checkpoints with the published key,
then every inclusion proof and the consistency between checkpoints; bad queries are 4xx."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from easypay.certificate.tlog.checkpoint import (
    Checkpoint,
    parse_verifier_key,
    verify_checkpoint,
)
from easypay.certificate.tlog.endpoints import router
from easypay.certificate.tlog.merkle import (
    EMPTY_ROOT,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from easypay.errors import install_error_handlers
from tests.certificate.tlog_support import append_each


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app itself once it mounts the log router; until then, the router on its own app
    sharing the test database and settings."""
    target = app
    if not any(getattr(route, "path", "") == "/tlog/checkpoint" for route in app.routes):
        target = FastAPI()
        install_error_handlers(target)
        target.include_router(router)
        target.state.database = app.state.database
        target.state.settings = app.state.settings
    transport = httpx.ASGITransport(app=target)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def published(api: httpx.AsyncClient) -> tuple[str, object]:
    response = await api.get("/tlog/key")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return parse_verifier_key(response.text.strip())


async def signed_checkpoint(api: httpx.AsyncClient) -> Checkpoint:
    name, key = await published(api)
    response = await api.get("/tlog/checkpoint")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return verify_checkpoint(response.text, key, name, origin=name)  # type: ignore[arg-type]


async def all_entries(api: httpx.AsyncClient, size: int) -> list[bytes]:
    data: list[bytes] = []
    for start in range(0, size, 1000):
        response = await api.get("/tlog/entries", params={"start": start, "end": start + 1000})
        assert response.status_code == 200
        for entry in response.json()["entries"]:
            assert entry["index"] == len(data)
            raw = base64.b64decode(entry["data"])
            assert entry["leaf_hash"] == leaf_hash(raw).hex()
            data.append(raw)
    return data


class TestAuditor:
    async def test_every_inclusion_proof_verifies_against_the_signed_checkpoint(
        self, database, api
    ):
        written = await append_each(database, 0, 300)
        checkpoint = await signed_checkpoint(api)
        assert checkpoint.size == 300
        assert await all_entries(api, 300) == written
        for index, data in enumerate(written):
            response = await api.get(
                "/tlog/proof/inclusion", params={"index": index, "size": checkpoint.size}
            )
            assert response.status_code == 200
            body = response.json()
            assert (body["index"], body["tree_size"]) == (index, 300)
            assert body["leaf_hash"] == leaf_hash(data).hex()
            assert body["root"] == checkpoint.root_hash.hex()
            proof = [bytes.fromhex(p) for p in body["proof"]]
            assert verify_inclusion(
                index, checkpoint.size, leaf_hash(data), proof, checkpoint.root_hash
            )
            # the same proof does not show a different leaf
            assert not verify_inclusion(
                index, checkpoint.size, leaf_hash(data + b" "), proof, checkpoint.root_hash
            )

    async def test_consecutive_checkpoints_are_consistent(self, database, api):
        empty = await signed_checkpoint(api)
        assert (empty.size, empty.root_hash) == (0, EMPTY_ROOT)
        await append_each(database, 0, 100)
        first = await signed_checkpoint(api)
        # the log did not grow: the same note is served again
        notes = [(await api.get("/tlog/checkpoint")).text for _ in range(2)]
        assert notes[0] == notes[1]
        assert notes[0].split("\n")[1] == "100"
        await append_each(database, 100, 57)
        second = await signed_checkpoint(api)
        assert (first.size, second.size) == (100, 157)
        for older, newer in ((empty, first), (first, second), (empty, second), (second, second)):
            response = await api.get(
                "/tlog/proof/consistency", params={"old": older.size, "new": newer.size}
            )
            assert response.status_code == 200
            body = response.json()
            assert (body["old_root"], body["new_root"]) == (
                older.root_hash.hex(),
                newer.root_hash.hex(),
            )
            proof = [bytes.fromhex(p) for p in body["proof"]]
            assert verify_consistency(
                older.size, newer.size, older.root_hash, newer.root_hash, proof
            )
        response = await api.get("/tlog/proof/consistency", params={"old": 100, "new": 157})
        proof = [bytes.fromhex(p) for p in response.json()["proof"]]
        assert not verify_consistency(100, 157, second.root_hash, first.root_hash, proof)

    async def test_entries_past_the_end_and_the_empty_log(self, database, api):
        response = await api.get("/tlog/entries", params={"start": 0, "end": 10})
        assert response.json() == {"tree_size": 0, "entries": []}
        await append_each(database, 0, 3)
        response = await api.get("/tlog/entries", params={"start": 1, "end": 500})
        body = response.json()
        assert body["tree_size"] == 3
        assert [e["index"] for e in body["entries"]] == [1, 2]
        response = await api.get("/tlog/entries", params={"start": 3, "end": 4})
        assert response.json()["entries"] == []


class TestBadQueries:
    @pytest.mark.parametrize(
        ("path", "params", "status", "code"),
        [
            ("/tlog/proof/inclusion", {"index": 3, "size": 3}, 400, "IndexOutsideTree"),
            ("/tlog/proof/inclusion", {"index": 0, "size": 0}, 400, "IndexOutsideTree"),
            ("/tlog/proof/inclusion", {"index": 0, "size": 4}, 404, "TreeSizeUnknown"),
            ("/tlog/proof/inclusion", {"index": -1, "size": 3}, 422, "ValidationError"),
            ("/tlog/proof/inclusion", {"index": "one", "size": 3}, 422, "ValidationError"),
            ("/tlog/proof/inclusion", {"index": 0, "size": 10**30}, 422, "ValidationError"),
            ("/tlog/proof/inclusion", {"index": 0, "size": 2**63}, 422, "ValidationError"),
            ("/tlog/proof/inclusion", {"index": 0}, 422, "ValidationError"),
            ("/tlog/proof/inclusion", {"index": 0.5, "size": 3}, 422, "ValidationError"),
            ("/tlog/proof/consistency", {"old": 3, "new": 2}, 400, "SizesOutOfOrder"),
            ("/tlog/proof/consistency", {"old": 1, "new": 4}, 404, "TreeSizeUnknown"),
            ("/tlog/proof/consistency", {"old": -1, "new": 2}, 422, "ValidationError"),
            ("/tlog/proof/consistency", {"new": 2}, 422, "ValidationError"),
            ("/tlog/entries", {"start": 2, "end": 2}, 400, "EntryRangeInvalid"),
            ("/tlog/entries", {"start": 2, "end": 1}, 400, "EntryRangeInvalid"),
            ("/tlog/entries", {"start": 0, "end": 1001}, 400, "EntryRangeInvalid"),
            ("/tlog/entries", {"start": -5, "end": 1}, 422, "ValidationError"),
            ("/tlog/entries", {"start": 0, "end": 0}, 422, "ValidationError"),
            ("/tlog/entries", {"start": 0}, 422, "ValidationError"),
            ("/tlog/entries", {"start": "x", "end": 2}, 422, "ValidationError"),
        ],
    )
    async def test_refused_with_a_clear_error(self, database, api, path, params, status, code):
        await append_each(database, 0, 3)
        response = await api.get(path, params=params)
        assert response.status_code == status, response.text
        body = response.json()
        assert body["error"] == code
        assert body["detail"]

    async def test_writes_are_not_routes(self, api):
        for path in ("/tlog/checkpoint", "/tlog/entries"):
            response = await api.post(path, json={})
            assert response.status_code == 405
