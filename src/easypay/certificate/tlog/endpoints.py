"""The public transparency log: signed checkpoint, verifier key, proofs and entries. No auth.

How a client checks that an event is logged: fetch `/tlog/key` once (out of band, or pin it),
fetch `/tlog/checkpoint` and verify it with the key, then ask `/tlog/proof/inclusion` with the
checkpoint's size and check the proof against the checkpoint's root. `/tlog/proof/consistency`
between two checkpoints shows the log only grew.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from easypay.certificate.tlog import store
from easypay.certificate.tlog.errors import (
    EntryRangeInvalid,
    IndexOutsideTree,
    LogCorrupt,
    SizesOutOfOrder,
    TreeSizeUnknown,
)
from easypay.certificate.tlog.key import load_log_key, log_origin, published_key
from easypay.certificate.tlog.schemas import (
    ConsistencyProofRead,
    EntriesRead,
    EntryRead,
    InclusionProofRead,
)
from easypay.config import AppSettings
from easypay.db import DbSession
from easypay.errors import InvalidInput, error_responses
from easypay.kit.ids import MAX_ID

router = APIRouter(prefix="/tlog", tags=["transparency log"])

_TEXT: dict[int | str, dict[str, Any]] = {200: {"content": {"text/plain": {}}}}


Index = Annotated[int, Query(ge=0, le=MAX_ID, description="The leaf index.")]
TreeSize = Annotated[int, Query(ge=0, le=MAX_ID, description="A tree size (number of leaves).")]
OldSize = Annotated[int, Query(ge=0, le=MAX_ID, description="The older tree size.")]
NewSize = Annotated[int, Query(ge=0, le=MAX_ID, description="The newer tree size.")]
Start = Annotated[int, Query(ge=0, le=MAX_ID, description="First index (inclusive).")]
End = Annotated[int, Query(ge=1, le=MAX_ID, description="Last index (exclusive).")]


@router.get(
    "/checkpoint",
    response_class=PlainTextResponse,
    responses={**_TEXT, **error_responses(LogCorrupt)},
    summary="The latest signed checkpoint",
)
async def get_checkpoint(session: DbSession, settings: AppSettings) -> PlainTextResponse:
    """The latest checkpoint as a C2SP signed note (origin, size, base64 root, signature);
    a new one is signed when the log has grown since the last."""
    stored = await store.checkpoint(session, load_log_key(settings), log_origin(settings))
    return PlainTextResponse(stored.note)


@router.get(
    "/key",
    response_class=PlainTextResponse,
    responses={**_TEXT, **error_responses(LogCorrupt)},
    summary="The log's verifier key",
)
async def get_key(settings: AppSettings) -> PlainTextResponse:
    """The Ed25519 public key checkpoints are signed with, in the Go sumdb/note verifier-key
    format (`<origin>+<key id hex>+<base64(0x01 || key)>`)."""
    _, _, vkey = published_key(settings)
    return PlainTextResponse(vkey + "\n")


@router.get(
    "/proof/inclusion",
    responses=error_responses(IndexOutsideTree, TreeSizeUnknown, InvalidInput, LogCorrupt),
    summary="Inclusion proof of a leaf",
)
async def get_inclusion(session: DbSession, index: Index, size: TreeSize) -> InclusionProofRead:
    """The audit path of leaf `index` in the tree of the first `size` leaves (RFC 9162)."""
    proof = await store.inclusion(session, index, size)
    return InclusionProofRead(
        index=proof.index,
        tree_size=proof.tree_size,
        leaf_hash=proof.leaf_hash.hex(),
        proof=[p.hex() for p in proof.proof],
        root=proof.root.hex(),
    )


@router.get(
    "/proof/consistency",
    responses=error_responses(SizesOutOfOrder, TreeSizeUnknown, InvalidInput, LogCorrupt),
    summary="Consistency proof between two tree sizes",
)
async def get_consistency(session: DbSession, old: OldSize, new: NewSize) -> ConsistencyProofRead:
    """The proof that the tree of `old` leaves is a prefix of the tree of `new` leaves."""
    proof = await store.consistency(session, old, new)
    return ConsistencyProofRead(
        old_size=proof.old_size,
        new_size=proof.new_size,
        old_root=proof.old_root.hex(),
        new_root=proof.new_root.hex(),
        proof=[p.hex() for p in proof.proof],
    )


@router.get(
    "/entries",
    responses=error_responses(EntryRangeInvalid, InvalidInput),
    summary="Log entries",
)
async def get_entries(session: DbSession, start: Start, end: End) -> EntriesRead:
    """Leaves [start, end), at most 1,000 per call; fewer (or none) past the end of the log."""
    size = await store.current_size(session)
    leaves = await store.entries(session, start, end)
    return EntriesRead(
        tree_size=size,
        entries=[
            EntryRead(
                index=leaf.index,
                data=base64.b64encode(leaf.data).decode("ascii"),
                leaf_hash=leaf.leaf_hash.hex(),
            )
            for leaf in leaves
            if leaf.index < size  # appended after `size` was read: not in this view yet
        ],
    )
