"""RFC 9162 (Certificate Transparency v2) Merkle tree hashes and proofs.

Leaf hash = SHA-256(0x00 || data); node hash = SHA-256(0x01 || left || right) (RFC 9162 §2.1.1).
Proofs are built exactly as §2.1.3.1 (PATH) and §2.1.4.1 (SUBPROOF) define them and verified with
the iterative algorithms of §2.1.3.2 and §2.1.4.2: the same bytes as other RFC 6962/9162
implementations (certificate-transparency-go, transparency-dev/merkle, Trillian, Rekor); the
tests hold us to transparency-dev/merkle's published vectors.

Builders raise `ProofError` on bad arguments (a programming or request error). Verifiers never
raise: everything that does not prove what was asked, including out-of-range indexes and sizes,
returns False, because their input comes from outside.

A proof binds the tree size only through the root: the proof of leaf 0 in a tree of 5 leaves
also "verifies" for size 6 against the size-5 root. So check a proof against the size and root
of one signed checkpoint (see `checkpoint`), never against a size or root from elsewhere.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) = HASH() (RFC 9162 §2.1.1)

# subtree_hash(start, end) -> MTH(D[start:end]): where a proof builder reads subtree hashes from.
SubtreeHash = Callable[[int, int], bytes]
# complete(level, position) -> hash of leaves [position * 2**level, (position + 1) * 2**level).
CompleteSubtreeHash = Callable[[int, int], bytes]

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class ProofError(ValueError):
    """A proof or root was asked for with arguments that make no sense for the tree."""


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than `size` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def _check_size(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProofError(f"{name} must be an integer, not {type(value).__name__}")
    if value < 0:
        raise ProofError(f"{name} must not be negative (got {value})")


def _compose(complete: CompleteSubtreeHash, start: int, end: int) -> bytes:
    size = end - start
    if size <= 0:
        raise ProofError(f"an empty range [{start}, {end}) has no subtree hash")
    if size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        return complete(level, start >> level)
    k = _split(size)
    return node_hash(_compose(complete, start, start + k), _compose(complete, start + k, end))


def subtree_hash_from(complete: CompleteSubtreeHash) -> SubtreeHash:
    """A `SubtreeHash` for any range, from a lookup of complete aligned subtrees only.

    `complete(level, position)` returns the hash of leaves [position * 2**level,
    (position + 1) * 2**level) (level 0 = the leaf hashes). A log that stores those rows as
    leaves arrive (one leaf hash and at most log2(n) node hashes per append) can answer every
    proof with O(log n) reads (only the one ragged right edge needs more than one row per
    level) and no rehashing of old leaves.
    """

    def subtree_hash(start: int, end: int) -> bytes:
        return _compose(complete, start, end)

    return subtree_hash


def appended_subtrees(
    complete: CompleteSubtreeHash, old_size: int, hashed_leaf: bytes
) -> list[tuple[int, int, bytes]]:
    """The complete subtrees (level, position, hash) that appending a leaf to a tree of
    `old_size` leaves creates: the leaf itself, then one node per level while it completes a
    pair. A log storing these rows can later answer every proof through `subtree_hash_from`.
    """
    _check_size("old_size", old_size)
    if not isinstance(hashed_leaf, bytes) or len(hashed_leaf) != HASH_SIZE:
        raise ProofError(f"a leaf hash must be {HASH_SIZE} bytes")
    rows = [(0, old_size, hashed_leaf)]
    level, position, hashed = 0, old_size, hashed_leaf
    while position & 1:  # a right child: its pair is complete
        hashed = node_hash(complete(level, position - 1), hashed)
        level, position = level + 1, position >> 1
        rows.append((level, position, hashed))
    return rows


class _Levels:
    """Complete-subtree cache: `levels[h][i]` is the hash of leaves [i * 2**h, (i + 1) * 2**h).

    Appending a leaf adds at most log2(n) node hashes, and the hash of any subtree the RFC
    recursion asks for is then O(log n) cache reads and at most O(log n) new node hashes.
    """

    __slots__ = ("levels",)

    def __init__(self) -> None:
        self.levels: list[list[bytes]] = [[]]

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, hashed_leaf: bytes) -> int:
        index = self.size
        # positions need no bookkeeping: each row lands at the end of its level
        for level, _position, hashed in appended_subtrees(self.complete, index, hashed_leaf):
            if level == len(self.levels):
                self.levels.append([])
            self.levels[level].append(hashed)
        return index

    def complete(self, level: int, position: int) -> bytes:
        return self.levels[level][position]

    def subtree(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for 0 <= start < end <= size."""
        return _compose(self.complete, start, end)

    def root(self, size: int) -> bytes:
        return EMPTY_ROOT if size == 0 else self.subtree(0, size)


def _levels_of(leaf_hashes: Iterable[bytes]) -> _Levels:
    levels = _Levels()
    for hashed in leaf_hashes:
        levels.append(hashed)
    return levels


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of already hashed leaves (RFC 9162 §2.1.1); SHA-256("") for no leaves."""
    return _levels_of(leaf_hashes).root(len(leaf_hashes))


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of leaf `index` in the tree of all `leaf_hashes` (RFC 9162 §2.1.3.1).

    O(n) hashing per call; keep a `MerkleTree` to answer many proofs over the same leaves.
    """
    _check_size("index", index)
    if index >= len(leaf_hashes):
        raise ProofError(f"leaf index {index} is outside a tree of {len(leaf_hashes)} leaves")
    return _path(_levels_of(leaf_hashes).subtree, index, len(leaf_hashes))


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """The proof that the first `old_size` leaves are a prefix of `leaf_hashes` (§2.1.4.1).

    Empty when old_size is 0 or the whole tree: both are consistent with no proof at all.
    """
    _check_size("old_size", old_size)
    if old_size > len(leaf_hashes):
        raise ProofError(f"old size {old_size} is larger than the tree ({len(leaf_hashes)})")
    return _subproof(_levels_of(leaf_hashes).subtree, old_size, len(leaf_hashes))


def _path(subtree_hash: SubtreeHash, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) (RFC 9162 §2.1.3.1), written as a loop down from the root."""
    proof: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            proof.append(subtree_hash(start + k, end))
            end = start + k
        else:
            proof.append(subtree_hash(start, start + k))
            start += k
    proof.reverse()  # the RFC lists the sibling nearest the leaf first
    return proof


def _subproof(subtree_hash: SubtreeHash, old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) = SUBPROOF(m, D[n], true) (RFC 9162 §2.1.4.1)."""
    if old_size in (0, new_size):
        return []
    proof: list[bytes] = []
    start, end, complete = 0, new_size, True
    while True:
        size, m = end - start, old_size - start
        if m == size:
            # The old tree's own subtree: the verifier already knows it when it is the whole
            # old tree (b is true), otherwise it is part of the proof.
            if not complete:
                proof.append(subtree_hash(start, end))
            break
        k = _split(size)
        if m <= k:
            proof.append(subtree_hash(start + k, end))
            end = start + k
        else:
            proof.append(subtree_hash(start, start + k))
            start += k
            complete = False
    proof.reverse()
    return proof


def inclusion_proof_from(subtree_hash: SubtreeHash, index: int, tree_size: int) -> list[bytes]:
    """The inclusion proof built from a store of subtree hashes instead of a list of leaves.

    `subtree_hash(start, end)` must return MTH(D[start:end]). Only the ranges of the RFC
    recursion are asked for: each `start` is a multiple of the largest power of two not above
    `end - start`, and every left half is a complete aligned subtree, so a table of complete
    subtrees keyed by (level, position) answers all of them with O(log n) reads per range.
    """
    _check_size("index", index)
    _check_size("tree_size", tree_size)
    if index >= tree_size:
        raise ProofError(f"leaf index {index} is outside a tree of {tree_size} leaves")
    return _path(subtree_hash, index, tree_size)


def consistency_proof_from(subtree_hash: SubtreeHash, old_size: int, new_size: int) -> list[bytes]:
    """The consistency proof built from a store of subtree hashes (see inclusion_proof_from)."""
    _check_size("old_size", old_size)
    _check_size("new_size", new_size)
    if old_size > new_size:
        raise ProofError(f"old size {old_size} is larger than new size {new_size}")
    return _subproof(subtree_hash, old_size, new_size)


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def verify_inclusion(
    index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """True if `proof` shows leaf `leaf_hash` at `index` in the tree of `tree_size` with `root`.

    RFC 9162 §2.1.3.2, step by step.
    """
    if not (_is_size(index) and _is_size(tree_size)) or index >= tree_size:
        return False
    if not (_is_hash(leaf_hash) and _is_hash(root)) or not all(_is_hash(p) for p in proof):
        return False
    fn, sn = index, tree_size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            return False  # the proof is longer than the path to the root
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                # A right-edge node with no right sibling: climb until it becomes a right child.
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True if `proof` shows the tree (old_size, old_root) is a prefix of (new_size, new_root).

    RFC 9162 §2.1.4.2 for 0 < old_size < new_size. The trivial cases, which need an empty proof:
    equal sizes need equal roots, and an empty old tree must have the empty-tree root (stricter
    than transparency-dev/merkle, which ignores the roots there).
    """
    if not (_is_size(old_size) and _is_size(new_size)) or old_size > new_size:
        return False
    if not (_is_hash(old_root) and _is_hash(new_root)) or not all(_is_hash(c) for c in proof):
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT and (new_size > 0 or new_root == EMPTY_ROOT)
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)  # the old tree is one complete subtree the proof leaves out
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


class MerkleTree:
    """An append-only tree in memory that caches every complete subtree.

    Proofs and roots at any earlier size cost O(log n) reads and hashes instead of O(n). Holds
    about two hashes per leaf (about 15 MB of Python objects for 100,000 leaves).
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels = _levels_of(leaf_hashes)

    @property
    def size(self) -> int:
        return self._levels.size

    def append(self, data: bytes) -> int:
        """Add a leaf by its data; returns its index."""
        return self._levels.append(leaf_hash(data))

    def append_leaf_hash(self, hashed_leaf: bytes) -> int:
        """Add a leaf by its (stored) leaf hash; returns its index."""
        return self._levels.append(hashed_leaf)

    def leaf_hash(self, index: int) -> bytes:
        self._check_index(index, self.size)
        return self._levels.levels[0][index]

    def root(self, size: int | None = None) -> bytes:
        """The root of the whole tree, or of its first `size` leaves."""
        return self._levels.root(self._size_or_current("size", size))

    def inclusion(self, index: int, size: int | None = None) -> list[bytes]:
        """The inclusion proof of leaf `index` in the tree of its first `size` leaves."""
        tree_size = self._size_or_current("size", size)
        self._check_index(index, tree_size)
        return _path(self._levels.subtree, index, tree_size)

    def consistency(self, old: int, new: int | None = None) -> list[bytes]:
        """The consistency proof from the first `old` leaves to the first `new` leaves."""
        new_size = self._size_or_current("new", new)
        _check_size("old", old)
        if old > new_size:
            raise ProofError(f"old size {old} is larger than new size {new_size}")
        return _subproof(self._levels.subtree, old, new_size)

    def _size_or_current(self, name: str, size: int | None) -> int:
        if size is None:
            return self.size
        _check_size(name, size)
        if size > self.size:
            raise ProofError(f"{name} {size} is larger than the tree ({self.size} leaves)")
        return size

    @staticmethod
    def _check_index(index: int, tree_size: int) -> None:
        _check_size("index", index)
        if index >= tree_size:
            raise ProofError(f"leaf index {index} is outside a tree of {tree_size} leaves")
