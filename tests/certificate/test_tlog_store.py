"""The stored log: dense indexes under concurrency and rollback, proofs from stored nodes equal
the in-memory tree's, checkpoints signed once per size, the key file."""

from __future__ import annotations

import asyncio
import json
import stat
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select

from easypay.certificate.tlog import store
from easypay.certificate.tlog.checkpoint import parse_verifier_key, verify_checkpoint
from easypay.certificate.tlog.errors import (
    EntryRangeInvalid,
    IndexOutsideTree,
    LeafTooLarge,
    LogCorrupt,
    SizesOutOfOrder,
    TreeSizeUnknown,
)
from easypay.certificate.tlog.key import key_path, load_log_key, log_origin, published_key
from easypay.certificate.tlog.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from easypay.config import Settings
from easypay.db import Database
from easypay.models import TlogCheckpoint, TlogLeaf, TlogNode
from tests.certificate.tlog_support import append_each, event


class Boom(Exception):
    pass


async def stored_indexes(database: Database) -> list[int]:
    async with database.transaction() as session:
        return list(
            (await session.execute(select(TlogLeaf.index).order_by(TlogLeaf.index))).scalars()
        )


async def stored_data(database: Database) -> list[bytes]:
    async with database.transaction() as session:
        result = await session.execute(select(TlogLeaf.data).order_by(TlogLeaf.index))
        return [bytes(d) for d in result.scalars()]


async def append_then_roll_back(database: Database, *numbers: int) -> list[int]:
    """Append events in one transaction that then fails; returns the indexes it was given."""
    given: list[int] = []
    try:
        async with database.transaction() as session:
            for number in numbers:
                given.append(await store.append(session, event(number)))
            raise Boom
    except Boom:
        return given


class TestAppend:
    async def test_proofs_from_stored_nodes_equal_the_in_memory_tree(self, database):
        written = await append_each(database, 0, 300)
        tree = MerkleTree()
        for data in written:
            tree.append(data)
        async with database.transaction() as session:
            assert await store.current_size(session) == 300
            for size in (1, 2, 3, 7, 8, 9, 64, 127, 128, 129, 255, 256, 257, 299, 300):
                assert await store.root_at(session, size) == tree.root(size)
                for index in sorted({0, size // 2, size - 1}):
                    proof = await store.inclusion(session, index, size)
                    assert proof.proof == tree.inclusion(index, size)
                    assert proof.leaf_hash == leaf_hash(written[index])
                    assert proof.root == tree.root(size)
                    assert verify_inclusion(index, size, proof.leaf_hash, proof.proof, proof.root)
            for old, new in ((0, 300), (1, 300), (5, 8), (8, 200), (100, 257), (300, 300)):
                proof = await store.consistency(session, old, new)
                assert proof.proof == tree.consistency(old, new)
                assert verify_consistency(old, new, proof.old_root, proof.new_root, proof.proof)

    async def test_several_leaves_in_one_transaction(self, database):
        async with database.transaction() as session:
            indexes = [await store.append(session, event(n)) for n in range(5)]
        assert indexes == [0, 1, 2, 3, 4]
        assert await stored_indexes(database) == [0, 1, 2, 3, 4]

    async def test_a_rolled_back_transaction_gives_its_indexes_back(self, database):
        await append_each(database, 0, 3)
        assert await append_then_roll_back(database, 100, 101) == [3, 4]
        written = await append_each(database, 3, 2)  # asserts they get 3 and 4
        assert await stored_indexes(database) == [0, 1, 2, 3, 4]
        assert (await stored_data(database))[3:] == written
        async with database.transaction() as session:
            assert await store.current_size(session) == 5
            nodes = (await session.execute(select(func.count()).select_from(TlogNode))).scalar()
        assert nodes == 5 + 2 + 1  # leaves, pairs (0-1, 2-3), the first four

    async def test_concurrent_appends_get_distinct_dense_indexes(self, database):
        async def one(number: int) -> int:
            async with database.transaction() as session:
                return await store.append(session, event(number))

        # The log starts empty: the first appenders also race to create the head row.
        indexes = await asyncio.gather(*(one(n) for n in range(20)))
        assert sorted(indexes) == list(range(20))
        assert await stored_indexes(database) == list(range(20))
        tree = MerkleTree()
        for data in await stored_data(database):
            tree.append(data)
        async with database.transaction() as session:
            assert await store.root_at(session, 20) == tree.root()

    async def test_concurrent_appends_with_rollbacks_leave_no_gap(self, database):
        async def one(number: int) -> int:
            async with database.transaction() as session:
                index = await store.append(session, event(number))
                if number % 3 == 0:
                    raise Boom
                return index

        results = await asyncio.gather(*(one(n) for n in range(21)), return_exceptions=True)
        committed = [r for r in results if isinstance(r, int)]
        assert sum(isinstance(r, Boom) for r in results) == 7
        assert len(committed) == 14
        assert await stored_indexes(database) == list(range(14))
        async with database.transaction() as session:
            assert await store.current_size(session) == 14
            assert await store.append(session, event(99)) == 14

    async def test_leaf_bytes_are_limited(self, database):
        async with database.transaction() as session:
            with pytest.raises(LeafTooLarge):
                await store.append(session, b"x" * (store.MAX_LEAF_BYTES + 1))
            with pytest.raises(TypeError):
                await store.append(session, "text")  # type: ignore[arg-type]
        assert await stored_indexes(database) == []

    async def test_a_missing_node_is_reported_not_papered_over(self, database):
        await append_each(database, 0, 8)
        async with database.transaction() as session:
            await session.execute(
                delete(TlogNode).where(TlogNode.level == 1, TlogNode.position == 1)
            )
        async with database.transaction() as session:
            with pytest.raises(LogCorrupt, match="level 1, position 1"):
                await store.inclusion(session, 0, 8)
            # proofs that do not pass through the missing node still work
            proof = await store.inclusion(session, 0, 2)
            assert len(proof.proof) == 1


class TestBadRequests:
    async def test_sizes_and_indexes_outside_the_log(self, database):
        await append_each(database, 0, 4)
        async with database.transaction() as session:
            with pytest.raises(TreeSizeUnknown):
                await store.inclusion(session, 0, 5)
            with pytest.raises(IndexOutsideTree):
                await store.inclusion(session, 4, 4)
            with pytest.raises(IndexOutsideTree):
                await store.inclusion(session, 0, 0)
            with pytest.raises(SizesOutOfOrder):
                await store.consistency(session, 3, 2)
            with pytest.raises(TreeSizeUnknown):
                await store.consistency(session, 1, 5)
            with pytest.raises(TreeSizeUnknown):
                await store.root_at(session, 5)
            with pytest.raises(ValueError, match="must not be negative"):
                await store.inclusion(session, -1, 4)
            for start, end in ((2, 2), (3, 1), (0, store.MAX_ENTRIES + 1)):
                with pytest.raises(EntryRangeInvalid):
                    await store.entries(session, start, end)
            assert [leaf.index for leaf in await store.entries(session, 2, 1000)] == [2, 3]
            assert await store.entries(session, 10, 20) == []

    async def test_the_empty_log(self, database):
        async with database.transaction() as session:
            assert await store.current_size(session) == 0
            assert await store.root_at(session, 0) == EMPTY_ROOT
            proof = await store.consistency(session, 0, 0)
            assert (proof.old_root, proof.new_root, proof.proof) == (EMPTY_ROOT, EMPTY_ROOT, [])


class TestCheckpoint:
    async def test_signed_once_per_size_and_verifiable_with_the_published_key(
        self, database, settings: Settings
    ):
        key = load_log_key(settings)
        origin = log_origin(settings)
        _, public_key = parse_verifier_key(published_key(settings)[2])
        async with database.transaction() as session:
            empty = await store.checkpoint(session, key, origin)
        assert verify_checkpoint(empty.note, public_key, origin, origin=origin).size == 0
        assert empty.root_hash == EMPTY_ROOT
        written = await append_each(database, 0, 10)
        async with database.transaction() as session:
            first = await store.checkpoint(session, key, origin)
            again = await store.checkpoint(session, key, origin)
        assert (first.size, again.note) == (10, first.note)
        signed = verify_checkpoint(first.note, public_key, origin, origin=origin)
        tree = MerkleTree()
        for data in written:
            tree.append(data)
        assert (signed.size, signed.root_hash) == (10, tree.root())
        async with database.transaction() as session:
            sizes = (await session.execute(select(TlogCheckpoint.size))).scalars().all()
        assert sorted(sizes) == [0, 10]

    async def test_concurrent_checkpoints_of_one_size_store_one_row(self, database, settings):
        await append_each(database, 0, 5)
        key, origin = load_log_key(settings), log_origin(settings)

        async def one() -> str:
            async with database.transaction() as session:
                return (await store.checkpoint(session, key, origin)).note

        notes = await asyncio.gather(*(one() for _ in range(8)))
        assert len(set(notes)) == 1
        async with database.transaction() as session:
            count = (
                await session.execute(select(func.count()).select_from(TlogCheckpoint))
            ).scalar()
        assert count == 1

    async def test_a_checkpoint_rolled_back_with_its_leaves_is_not_kept(self, database, settings):
        key, origin = load_log_key(settings), log_origin(settings)
        sizes: list[int] = []
        try:
            async with database.transaction() as session:
                await store.append(session, event(0))
                sizes.append((await store.checkpoint(session, key, origin)).size)
                raise Boom
        except Boom:
            pass
        assert sizes == [1]
        async with database.transaction() as session:
            assert await store.latest_checkpoint(session) is None
            assert (await store.checkpoint(session, key, origin)).size == 0


class TestLogKey:
    @pytest.mark.no_database
    def test_created_once_as_a_private_pem_file(self, tmp_path):
        settings = Settings(var_dir=tmp_path, secret_key="7e" * 32)
        first = load_log_key(settings)
        path = key_path(settings)
        assert path == tmp_path / "tlog" / "log.key"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        assert load_log_key(settings).public_key() == first.public_key()

    @pytest.mark.no_database
    def test_not_created_when_asked_not_to(self, tmp_path):
        settings = Settings(var_dir=tmp_path, secret_key="7e" * 32)
        with pytest.raises(LogCorrupt):
            load_log_key(settings, create=False)
        assert not key_path(settings).exists()

    @pytest.mark.no_database
    def test_a_damaged_key_file_is_refused(self, tmp_path):
        settings = Settings(var_dir=tmp_path, secret_key="7e" * 32)
        key_path(settings).parent.mkdir(parents=True)
        key_path(settings).write_bytes(b"not a key")
        with pytest.raises(LogCorrupt):
            load_log_key(settings)


class TestLeafBytes:
    @pytest.mark.no_database
    def test_canonical_sorted_compact_json(self):
        at = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
        data = store.encode_leaf("suspended", "0a1b", "c" * 64, at)
        assert data == (
            b'{"at":"2026-11-27T06:00:00+00:00","kind":"suspended",'
            b'"reference":"' + b"c" * 64 + b'","serial":"0a1b"}'
        )
        assert json.loads(data)["kind"] == "suspended"

    @pytest.mark.no_database
    def test_naive_times_are_refused(self):
        with pytest.raises(ValueError, match="naive"):
            store.encode_leaf("issued", "01", "ref", datetime(2026, 1, 1))
