"""Response models of the public log endpoints. Hashes are lowercase hex; leaf data base64."""

from __future__ import annotations

from pydantic import BaseModel, Field

HASH = "a hex-encoded SHA-256 hash (64 characters)"
EXAMPLE_HASH = "5d8e5b1f1d0c5e49d4a4c8a5e0c9b0d7c1f6a2b3e4d5c6b7a8f9e0d1c2b3a4f5"


class InclusionProofRead(BaseModel):
    index: int = Field(description="The leaf's index.", examples=[17])
    tree_size: int = Field(description="The tree size the proof is for.", examples=[300])
    leaf_hash: str = Field(
        description=f"The leaf hash, SHA-256(0x00 || leaf data): {HASH}.",
        examples=[EXAMPLE_HASH],
    )
    proof: list[str] = Field(
        description="The RFC 9162 §2.1.3 audit path, nearest sibling first; each " + HASH + ".",
        examples=[[EXAMPLE_HASH]],
    )
    root: str = Field(
        description=f"The root of the tree of `tree_size` leaves: {HASH}. Trust it only once a "
        "checkpoint signed with the published key shows the same size and root.",
        examples=[EXAMPLE_HASH],
    )


class ConsistencyProofRead(BaseModel):
    old_size: int = Field(description="The older tree size.", examples=[100])
    new_size: int = Field(description="The newer tree size.", examples=[300])
    old_root: str = Field(description=f"The root at `old_size`: {HASH}.", examples=[EXAMPLE_HASH])
    new_root: str = Field(description=f"The root at `new_size`: {HASH}.", examples=[EXAMPLE_HASH])
    proof: list[str] = Field(
        description="The RFC 9162 §2.1.4 consistency proof; each " + HASH + ". Empty when "
        "old_size is 0 or equals new_size.",
        examples=[[EXAMPLE_HASH]],
    )


class EntryRead(BaseModel):
    index: int = Field(description="The leaf's index.", examples=[0])
    data: str = Field(
        description="The leaf bytes, standard base64: sorted-key JSON of an event kind, a "
        "certificate serial, a keyed reference and a time.",
        examples=["eyJhdCI6IjIwMjYtMTEtMjdUMDA6MDA6MDArMDA6MDAifQ=="],
    )
    leaf_hash: str = Field(description=f"SHA-256(0x00 || data): {HASH}.", examples=[EXAMPLE_HASH])


class EntriesRead(BaseModel):
    tree_size: int = Field(description="The log's size when read.", examples=[300])
    entries: list[EntryRead] = Field(description="The leaves asked for, in index order.")
