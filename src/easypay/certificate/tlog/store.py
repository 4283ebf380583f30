"""The stored transparency log: leaves, complete-subtree hashes and signed checkpoints.

Appending (`append`) runs in the caller's transaction, so a certificate event and its leaf
commit or roll back together. The next index comes from the single `tlog_head` row, claimed with
`UPDATE tlog_head SET size = size + 1 RETURNING size`: the row lock makes concurrent appenders
queue (on PostgreSQL; SQLite transactions are already serialised by BEGIN IMMEDIATE), and a
rolled-back transaction gives its index back, so indexes stay dense (0, 1, 2, ...) with no gap,
which the Merkle tree needs. The price: appenders are serialised until their transaction ends,
so append last, just before the transaction commits.

Each append stores the leaf and the complete subtrees it closes (`merkle.appended_subtrees`:
the leaf hash and at most log2(n) nodes), so every root and proof is O(log n) row reads and no
rehashing of old leaves. Proof builders of `merkle` take synchronous lookups; we run a builder
once with a recording lookup to learn which rows it needs (that depends only on the sizes), read
them in one query, and run it again on the rows.

Leaves hold no personal data: `encode_leaf` makes the canonical bytes (sorted-key JSON) of an
event kind, a certificate serial, a keyed reference (an HMAC, never a name or phone number) and
a timestamp.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from easypay.certificate.tlog.checkpoint import sign_checkpoint
from easypay.certificate.tlog.errors import (
    EntryRangeInvalid,
    IndexOutsideTree,
    LeafTooLarge,
    LogCorrupt,
    SizesOutOfOrder,
    TreeSizeUnknown,
)
from easypay.certificate.tlog.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    CompleteSubtreeHash,
    appended_subtrees,
    consistency_proof_from,
    inclusion_proof_from,
    leaf_hash,
    subtree_hash_from,
)
from easypay.kit.clock import clock
from easypay.models import TlogCheckpoint, TlogHead, TlogLeaf, TlogNode
from easypay.models.base import table_of

MAX_LEAF_BYTES = 4096
MAX_ENTRIES = 1000
HEAD_ID = 1
_NODE_BATCH = 300  # (level, position) pairs per query: well under every driver's parameter cap
_PLACEHOLDER = bytes(HASH_SIZE)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: bytes
    proof: list[bytes]
    root: bytes


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    proof: list[bytes]


def encode_leaf(kind: str, serial: str, reference: str, at: datetime) -> bytes:
    """The canonical leaf bytes of a certificate event: sorted-key compact JSON.

    `serial` is the certificate serial number in hex; `reference` a keyed reference (e.g. an
    HMAC of the subject with the server secret), never personal data; `at` an aware time.
    """
    if at.tzinfo is None:
        raise ValueError("naive datetime given; use clock.now()")
    fields = {"kind": kind, "serial": serial, "reference": reference, "at": at.isoformat()}
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def _insert(session: AsyncSession, model: Any) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


async def current_size(session: AsyncSession) -> int:
    """The number of leaves the log holds (as this transaction sees it)."""
    head = table_of(TlogHead)
    size = (
        await session.execute(select(head.c.size).where(head.c.id == HEAD_ID))
    ).scalar_one_or_none()
    return 0 if size is None else int(size)


async def append(session: AsyncSession, data: bytes) -> int:
    """Add a leaf in the caller's transaction; returns its index (dense, from 0)."""
    if not isinstance(data, bytes):
        raise TypeError("leaf data must be bytes")
    if len(data) > MAX_LEAF_BYTES:
        raise LeafTooLarge()
    index = await _claim_index(session)
    hashed = leaf_hash(data)
    rows = await _with_stored_nodes(
        session, lambda complete: appended_subtrees(complete, index, hashed)
    )
    await session.execute(
        insert(table_of(TlogLeaf)).values(
            index=index, leaf_hash=hashed, data=data, created_at=clock.now()
        )
    )
    await session.execute(
        insert(table_of(TlogNode)),
        [{"level": level, "position": position, "hash": h} for level, position, h in rows],
    )
    return index


async def _claim_index(session: AsyncSession) -> int:
    head = table_of(TlogHead)
    claim = (
        update(head).where(head.c.id == HEAD_ID).values(size=head.c.size + 1).returning(head.c.size)
    )
    claimed = (await session.execute(claim)).scalar_one_or_none()
    if claimed is None:
        # First append (or an emptied database): create the row; a concurrent first appender
        # makes ours a no-op (PostgreSQL waits for its commit), and then both claim in turn.
        leaves = table_of(TlogLeaf)
        highest = (
            await session.execute(select(leaves.c.index).order_by(leaves.c.index.desc()).limit(1))
        ).scalar_one_or_none()
        start = 0 if highest is None else int(highest) + 1
        await session.execute(
            _insert(session, head).values(id=HEAD_ID, size=start).on_conflict_do_nothing()
        )
        claimed = (await session.execute(claim)).scalar_one()
    return int(claimed) - 1


async def _read_nodes(
    session: AsyncSession, keys: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    wanted = sorted(set(keys))
    nodes = table_of(TlogNode)
    found: dict[tuple[int, int], bytes] = {}
    for offset in range(0, len(wanted), _NODE_BATCH):
        batch = wanted[offset : offset + _NODE_BATCH]
        result = await session.execute(
            select(nodes.c.level, nodes.c.position, nodes.c.hash).where(
                tuple_(nodes.c.level, nodes.c.position).in_(batch)
            )
        )
        for level, position, hashed in result:
            found[(int(level), int(position))] = bytes(hashed)
    return found


async def _with_stored_nodes(session: AsyncSession, build: Callable[[CompleteSubtreeHash], T]) -> T:
    """Run `build` on the stored complete subtrees it asks for (see the module docstring)."""
    asked: list[tuple[int, int]] = []

    def record(level: int, position: int) -> bytes:
        asked.append((level, position))
        return _PLACEHOLDER

    build(record)
    found = await _read_nodes(session, asked)

    def stored(level: int, position: int) -> bytes:
        hashed = found.get((level, position))
        if hashed is None or len(hashed) != HASH_SIZE:
            raise LogCorrupt(f"the log is missing its node at level {level}, position {position}")
        return hashed

    return build(stored)


def _check_size(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer")
    if value < 0:
        raise ValueError(f"{name} must not be negative")


async def _check_within_log(session: AsyncSession, size: int) -> None:
    if size > await current_size(session):
        raise TreeSizeUnknown(f"The log has fewer than {size} leaves.")


async def root_at(session: AsyncSession, size: int) -> bytes:
    """The RFC 9162 root of the first `size` leaves."""
    _check_size("size", size)
    await _check_within_log(session, size)
    if size == 0:
        return EMPTY_ROOT
    return await _with_stored_nodes(session, lambda c: subtree_hash_from(c)(0, size))


async def inclusion(session: AsyncSession, index: int, size: int) -> InclusionProof:
    """The proof that leaf `index` is in the tree of the first `size` leaves."""
    _check_size("index", index)
    _check_size("size", size)
    await _check_within_log(session, size)
    if index >= size:
        raise IndexOutsideTree(f"Leaf {index} is not in a tree of {size} leaves.")

    def build(complete: CompleteSubtreeHash) -> tuple[bytes, list[bytes], bytes]:
        subtree = subtree_hash_from(complete)
        return complete(0, index), inclusion_proof_from(subtree, index, size), subtree(0, size)

    hashed, proof, root = await _with_stored_nodes(session, build)
    return InclusionProof(index, size, hashed, proof, root)


async def consistency(session: AsyncSession, old: int, new: int) -> ConsistencyProof:
    """The proof that the tree of `old` leaves is a prefix of the tree of `new` leaves."""
    _check_size("old", old)
    _check_size("new", new)
    if old > new:
        raise SizesOutOfOrder(f"The old size {old} is larger than the new size {new}.")
    await _check_within_log(session, new)

    def build(complete: CompleteSubtreeHash) -> tuple[bytes, bytes, list[bytes]]:
        subtree = subtree_hash_from(complete)
        old_root = EMPTY_ROOT if old == 0 else subtree(0, old)
        new_root = EMPTY_ROOT if new == 0 else subtree(0, new)
        return old_root, new_root, consistency_proof_from(subtree, old, new)

    old_root, new_root, proof = await _with_stored_nodes(session, build)
    return ConsistencyProof(old, new, old_root, new_root, proof)


async def entries(session: AsyncSession, start: int, end: int) -> Sequence[TlogLeaf]:
    """Leaves [start, end), at most MAX_ENTRIES; fewer when the log is shorter."""
    _check_size("start", start)
    _check_size("end", end)
    if end <= start or end - start > MAX_ENTRIES:
        raise EntryRangeInvalid(
            f"Ask for start < end and at most {MAX_ENTRIES:,} entries (got [{start}, {end}))."
        )
    result = await session.execute(
        select(TlogLeaf)
        .where(TlogLeaf.index >= start, TlogLeaf.index < end)
        .order_by(TlogLeaf.index)
    )
    return result.scalars().all()


async def latest_checkpoint(session: AsyncSession) -> TlogCheckpoint | None:
    result = await session.execute(
        select(TlogCheckpoint).order_by(TlogCheckpoint.size.desc()).limit(1)
    )
    return result.scalar_one_or_none()


async def checkpoint(
    session: AsyncSession, signer_key: Ed25519PrivateKey, origin: str
) -> TlogCheckpoint:
    """The signed checkpoint of the log as it is now: the stored one if the log has not grown
    since, otherwise a new one, signed with `signer_key` (key name = `origin`) and stored."""
    size = await current_size(session)
    latest = await latest_checkpoint(session)
    if latest is not None:
        if latest.size == size:
            return latest
        if latest.size > size:
            raise LogCorrupt(f"a checkpoint of {latest.size} leaves but the log holds {size}")
    root = await root_at(session, size)
    note = sign_checkpoint(origin, size, root, signer_key, origin)
    # Two requests may sign the same size at once; Ed25519 is deterministic, so either row is
    # the same checkpoint and the second insert does nothing.
    await session.execute(
        _insert(session, TlogCheckpoint)
        .values(size=size, root_hash=root, note=note, created_at=clock.now())
        .on_conflict_do_nothing()
    )
    stored = await session.get(TlogCheckpoint, size, populate_existing=True)
    if stored is None:  # pragma: no cover - the insert or the other request's row is there
        raise LogCorrupt(f"the checkpoint of {size} leaves was not stored")
    return stored
