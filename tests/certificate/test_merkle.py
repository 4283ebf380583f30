"""RFC 9162 Merkle tree: published answers, every proof verifies, every tampering is refused."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest

from easypay.certificate.tlog.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    ProofError,
    appended_subtrees,
    consistency_proof,
    consistency_proof_from,
    inclusion_proof,
    inclusion_proof_from,
    leaf_hash,
    node_hash,
    root_hash,
    subtree_hash_from,
    verify_consistency,
    verify_inclusion,
)

pytestmark = pytest.mark.no_database

# Known answers, copied verbatim from transparency-dev/merkle, proof/verify_test.go
# (https://github.com/transparency-dev/merkle/blob/main/proof/verify_test.go; the same RFC 6962
# vectors as certificate-transparency-go). Their inclusion table numbers leaves from 1.
LEAVES = [
    bytes.fromhex(""),
    bytes.fromhex("00"),
    bytes.fromhex("10"),
    bytes.fromhex("2021"),
    bytes.fromhex("3031"),
    bytes.fromhex("40414243"),
    bytes.fromhex("5051525354555657"),
    bytes.fromhex("606162636465666768696a6b6c6d6e6f"),
]
ROOTS = [  # the roots of the first 1..8 leaves
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
EMPTY_TREE_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
SOME_HASH = "abacaba000000000000000000000000000000000000000000060061e00123456"
INCLUSION_VECTORS = [  # (leaf number from 1, tree size, proof)
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        2,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY_VECTORS = [  # (old size, new size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]

LEAF_HASHES = [leaf_hash(data) for data in LEAVES]


def h(hexes: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(x) for x in hexes]


def root_of(size: int) -> bytes:
    return bytes.fromhex(EMPTY_TREE_HASH if size == 0 else ROOTS[size - 1])


def flipped(proof: Sequence[bytes], position: int, byte: int = 0) -> list[bytes]:
    changed = list(proof)
    element = bytearray(changed[position])
    element[byte] ^= 0x10
    changed[position] = bytes(element)
    return changed


# A second, deliberately naive implementation, written straight from the RFC 9162 text
# (§2.1.1 MTH, §2.1.3.1 PATH, §2.1.4.1 SUBPROOF) on Python lists, to check the cached builder.
def reference_mth(d: Sequence[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = 1
    while k * 2 < len(d):
        k *= 2
    return node_hash(reference_mth(d[:k]), reference_mth(d[k:]))


def reference_path(m: int, d: Sequence[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*reference_path(m, d[:k]), reference_mth(d[k:])]
    return [*reference_path(m - k, d[k:]), reference_mth(d[:k])]


def reference_subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [reference_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*reference_subproof(m, d[:k], b), reference_mth(d[k:])]
    return [*reference_subproof(m - k, d[k:], False), reference_mth(d[:k])]


def numbered_leaves(count: int) -> list[bytes]:
    return [leaf_hash(b"certificate event %d" % i) for i in range(count)]


class TestHashing:
    def test_empty_tree_root_is_sha256_of_nothing(self):
        assert EMPTY_ROOT.hex() == EMPTY_TREE_HASH
        assert root_hash([]) == EMPTY_ROOT
        assert MerkleTree().root() == EMPTY_ROOT

    def test_leaf_hash_prefixes_a_zero_byte(self):
        assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
        assert leaf_hash(b"").hex() == ROOTS[0]

    def test_node_hash_prefixes_a_one_byte(self):
        a, b = LEAF_HASHES[0], LEAF_HASHES[1]
        assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
        assert node_hash(a, b).hex() == ROOTS[1]
        assert node_hash(a, b) != node_hash(b, a)

    def test_roots_match_the_published_vectors_for_every_size(self):
        for size in range(len(LEAVES) + 1):
            assert root_hash(LEAF_HASHES[:size]) == root_of(size), size

    def test_a_growing_tree_has_the_published_root_after_every_append(self):
        tree = MerkleTree()
        for number, data in enumerate(LEAVES, start=1):
            assert tree.append(data) == number - 1
            assert tree.size == number
            assert tree.root() == root_of(number)
        for size in range(len(LEAVES) + 1):
            assert tree.root(size) == root_of(size)

    def test_a_tree_built_from_stored_leaf_hashes_equals_one_built_from_data(self):
        assert MerkleTree(LEAF_HASHES).root() == root_of(8)
        tree = MerkleTree()
        for hashed in LEAF_HASHES:
            tree.append_leaf_hash(hashed)
        assert tree.root() == root_of(8)
        assert tree.leaf_hash(5) == LEAF_HASHES[5]

    def test_roots_agree_with_the_naive_reference_for_every_size_up_to_300(self):
        hashes = numbered_leaves(300)
        tree = MerkleTree(hashes)
        for size in range(301):
            expected = reference_mth(hashes[:size]) if size <= 70 else root_hash(hashes[:size])
            assert tree.root(size) == expected, size
        assert tree.root() == reference_mth(hashes)


class TestPublishedProofs:
    def test_inclusion_proofs_are_exactly_the_published_ones(self):
        tree = MerkleTree(LEAVES[:0])
        for data in LEAVES:
            tree.append(data)
        for number, size, expected in INCLUSION_VECTORS:
            assert inclusion_proof(LEAF_HASHES[:size], number - 1) == h(expected)
            assert tree.inclusion(number - 1, size) == h(expected)
            assert verify_inclusion(
                number - 1, size, LEAF_HASHES[number - 1], h(expected), root_of(size)
            )

    def test_consistency_proofs_are_exactly_the_published_ones(self):
        tree = MerkleTree(LEAF_HASHES)
        for old, new, expected in CONSISTENCY_VECTORS:
            assert consistency_proof(LEAF_HASHES[:new], old) == h(expected)
            assert tree.consistency(old, new) == h(expected)
            assert verify_consistency(old, new, root_of(old), root_of(new), h(expected))

    def test_single_leaf_tree_needs_an_empty_proof(self):
        only = leaf_hash(b"data")
        assert inclusion_proof([only], 0) == []
        assert verify_inclusion(0, 1, only, [], only)
        assert not verify_inclusion(0, 1, only, [], EMPTY_ROOT)
        assert not verify_inclusion(0, 1, b"", [], only)

    def test_corrupted_inclusion_proofs_are_refused(self):
        # The probes of transparency-dev/merkle's corruptInclusionProof, on the published proofs.
        some, empty = bytes.fromhex(SOME_HASH), bytes.fromhex(EMPTY_TREE_HASH)
        for number, size, hexes in INCLUSION_VECTORS:
            index, proof, root = number - 1, h(hexes), root_of(size)
            leaf = LEAF_HASHES[index]
            probes = [
                (index - 1, size, leaf, proof, root),
                (index + 1, size, leaf, proof, root),
                (index ^ 2, size, leaf, proof, root),
                (index, size * 2, leaf, proof, root),
                (index, size // 2, leaf, proof, root),
                (index, size, b"WrongLeaf", proof, root),
                (index, size, leaf_hash(b"WrongLeaf"), proof, root),
                (index, size, leaf, proof, empty),
                (index, size, leaf, proof, some),
                (index, size, leaf, [*proof, b""], root),
                (index, size, leaf, [*proof, root], root),
                (index, size, leaf, [b"", *proof], root),
                (index, size, leaf, [root, *proof], root),
                (index, size, leaf, proof[:-1], root),
                (index, size, leaf, [proof[0], some, *proof[1:]], root),
            ]
            probes += [(index, size, leaf, flipped(proof, i), root) for i in range(len(proof))]
            for probe in probes:
                assert not verify_inclusion(*probe), (number, size, probe[:2])

    def test_corrupted_consistency_proofs_are_refused(self):
        # The probes of transparency-dev/merkle's corruptConsistencyProof.
        for old, new, hexes in CONSISTENCY_VECTORS:
            proof = h(hexes)
            if not proof:
                continue
            r1, r2 = root_of(old), root_of(new)
            probes = [
                (old - 1, new, r1, r2, proof),
                (old + 1, new, r1, r2, proof),
                (old ^ 2, new, r1, r2, proof),
                (old, new * 2, r1, r2, proof),
                (old, new // 2, r1, r2, proof),
                (old, new, b"WrongRoot", r2, proof),
                (old, new, r1, b"WrongRoot", proof),
                (old, new, leaf_hash(b"WrongRoot"), r2, proof),
                (old, new, r1, leaf_hash(b"WrongRoot"), proof),
                (old, new, r2, r1, proof),
                (old, new, r1, r2, []),
                (old, new, r1, r2, [*proof, b""]),
                (old, new, r1, r2, [*proof, r1]),
                (old, new, r1, r2, [*proof, r2]),
                (old, new, r1, r2, [b"", *proof]),
                (old, new, r1, r2, [r1, *proof]),
                (old, new, r1, r2, [r2, *proof]),
                (old, new, r1, r2, [proof[0], *proof]),
                (old, new, r1, r2, proof[:-1]),
            ]
            probes += [(old, new, r1, r2, flipped(proof, i)) for i in range(len(proof))]
            for probe in probes:
                assert not verify_consistency(*probe), (old, new, probe[:2])

    def test_trivial_consistency_needs_an_empty_proof_and_matching_roots(self):
        r1, r8, empty = root_of(1), root_of(8), EMPTY_ROOT
        assert verify_consistency(0, 0, empty, empty, [])
        assert verify_consistency(0, 8, empty, r8, [])
        assert verify_consistency(1, 1, r1, r1, [])
        assert verify_consistency(8, 8, r8, r8, [])
        assert not verify_consistency(1, 1, r1, r8, [])
        assert not verify_consistency(0, 0, empty, r1, [])
        assert not verify_consistency(0, 8, r1, r8, [])  # an empty tree has the empty root
        assert not verify_consistency(0, 8, empty, r8, [empty])
        assert not verify_consistency(1, 1, r1, r1, [empty])
        assert not verify_consistency(8, 8, r8, r8, [r8])
        assert not verify_consistency(1, 0, r1, empty, [])
        assert not verify_consistency(2, 1, root_of(2), r1, [])
        assert not verify_consistency(1, 2, r1, root_of(2), [])


class TestEveryProof:
    def test_every_inclusion_proof_up_to_300_leaves_verifies_and_matches_the_rfc(self):
        hashes = numbered_leaves(300)
        tree = MerkleTree(hashes)
        for size in range(1, 301):
            root = tree.root(size)
            for index in range(size):
                proof = tree.inclusion(index, size)
                assert verify_inclusion(index, size, hashes[index], proof, root), (index, size)
                if size <= 40:
                    assert proof == reference_path(index, hashes[:size]), (index, size)
            if size % 37 == 0:  # the list-based builder gives the same proofs
                for index in range(0, size, 5):
                    assert inclusion_proof(hashes[:size], index) == tree.inclusion(index, size)

    def test_every_tampered_inclusion_proof_up_to_130_leaves_is_refused(self):
        hashes = numbered_leaves(131)
        tree = MerkleTree(hashes)
        stranger = leaf_hash(b"never logged")
        for size in range(1, 131):
            root = tree.root(size)
            for index in range(size):
                leaf, proof = hashes[index], tree.inclusion(index, size)
                for position in range(len(proof)):
                    assert not verify_inclusion(
                        index, size, leaf, flipped(proof, position, byte=index % 32), root
                    )
                other = (index + 1) % size
                if other != index:
                    # the right leaf claimed at a wrong index, and another leaf at this one
                    assert not verify_inclusion(other, size, leaf, proof, root)
                    assert not verify_inclusion(index, size, hashes[other], proof, root)
                assert not verify_inclusion(index, size, stranger, proof, root)
                # a tree head of another size: its real root, or this root with the wrong size
                for wrong_size in (size - 1, size + 1):
                    if index < wrong_size:
                        assert not verify_inclusion(
                            index, wrong_size, leaf, proof, tree.root(wrong_size)
                        )
                assert not verify_inclusion(index, size, leaf, proof, tree.root(size + 1))
                assert not verify_inclusion(index, size, leaf, proof, tree.root(size - 1))
                if proof:
                    assert not verify_inclusion(index, size, leaf, proof[:-1], root)
                    assert not verify_inclusion(index, size, leaf, proof[1:], root)
                assert not verify_inclusion(index, size, leaf, [*proof, root], root)
                assert not verify_inclusion(index, size, leaf, [*proof, stranger], root)

    def test_every_consistency_proof_up_to_130_leaves_verifies_and_matches_the_rfc(self):
        hashes = numbered_leaves(130)
        tree = MerkleTree(hashes)
        roots = [tree.root(size) for size in range(131)]
        for new in range(131):
            for old in range(new + 1):
                proof = tree.consistency(old, new)
                assert verify_consistency(old, new, roots[old], roots[new], proof), (old, new)
                if 0 < old < new <= 40:
                    assert proof == reference_subproof(old, hashes[:new], True), (old, new)
            if new % 29 == 0:
                for old in range(0, new + 1, 3):
                    assert consistency_proof(hashes[:new], old) == tree.consistency(old, new)

    def test_every_tampered_consistency_proof_up_to_130_leaves_is_refused(self):
        hashes = numbered_leaves(131)
        tree = MerkleTree(hashes)
        roots = [tree.root(size) for size in range(132)]
        stranger = leaf_hash(b"never logged")
        for new in range(2, 131):
            for old in range(1, new):
                r1, r2 = roots[old], roots[new]
                proof = tree.consistency(old, new)
                assert proof, (old, new)
                for position in range(len(proof)):
                    flip = flipped(proof, position, byte=(old + new) % 32)
                    assert not verify_consistency(old, new, r1, r2, flip), (old, new, position)
                assert not verify_consistency(old, new, r1, r2, proof[:-1])
                assert not verify_consistency(old, new, r1, r2, proof[1:])
                assert not verify_consistency(old, new, r1, r2, [*proof, stranger])
                assert not verify_consistency(old, new, r1, r2, [stranger, *proof])
                assert not verify_consistency(old, new, r1, r2, [])
                assert not verify_consistency(old, new, r2, r1, proof)
                assert not verify_consistency(old, new, roots[old - 1], r2, proof)
                assert not verify_consistency(old, new, r1, roots[new + 1], proof)
                assert not verify_consistency(old, new, r1, roots[new - 1], proof)
                # tree heads of other sizes, each with its real root
                if old + 1 < new:
                    assert not verify_consistency(old + 1, new, roots[old + 1], r2, proof)
                if old > 1:
                    assert not verify_consistency(old - 1, new, roots[old - 1], r2, proof)
                assert not verify_consistency(old, new + 1, r1, roots[new + 1], proof)
                if old < new - 1:
                    assert not verify_consistency(old, new - 1, r1, roots[new - 1], proof)

    def test_a_log_that_rewrote_history_cannot_prove_consistency(self):
        honest = numbered_leaves(20)
        forked = [*honest[:7], leaf_hash(b"rewritten"), *honest[8:]]
        old_root = MerkleTree(honest).root(10)
        forked_tree = MerkleTree(forked)
        proof = forked_tree.consistency(10, 20)
        assert not verify_consistency(10, 20, old_root, forked_tree.root(), proof)
        # and the honest old leaf is no longer provably in the forked tree
        assert not verify_inclusion(7, 20, honest[7], forked_tree.inclusion(7), forked_tree.root())


class CompleteSubtreeStore:
    """What a database table of (level, position, hash) rows would do, counting its reads."""

    def __init__(self) -> None:
        self.rows: dict[tuple[int, int], bytes] = {}
        self.size = 0
        self.reads = 0

    def complete(self, level: int, position: int) -> bytes:
        self.reads += 1
        return self.rows[(level, position)]

    def append(self, hashed_leaf: bytes) -> None:
        for level, position, hashed in appended_subtrees(self.complete, self.size, hashed_leaf):
            assert (level, position) not in self.rows
            self.rows[(level, position)] = hashed
        self.size += 1


class TestProofsFromAStore:
    def test_appends_store_the_leaf_and_the_pairs_it_completes(self):
        store = CompleteSubtreeStore()
        for hashed in LEAF_HASHES[:7]:
            store.append(hashed)
        # leaf 7 completes (0,6)+(0,7) -> (1,3), then (1,2)+(1,3) -> (2,1), then (2,0)+(2,1)
        rows = appended_subtrees(store.complete, 7, LEAF_HASHES[7])
        assert [(level, position) for level, position, _ in rows] == [
            (0, 7),
            (1, 3),
            (2, 1),
            (3, 0),
        ]
        assert rows[-1][2] == root_of(8)
        assert appended_subtrees(store.complete, 4, LEAF_HASHES[4]) == [(0, 4, LEAF_HASHES[4])]
        with pytest.raises(ProofError):
            appended_subtrees(store.complete, 7, b"short")

    def test_proofs_from_stored_subtrees_equal_the_in_memory_ones(self):
        hashes = numbered_leaves(150)
        store = CompleteSubtreeStore()
        tree = MerkleTree()
        for hashed in hashes:
            store.append(hashed)
            tree.append_leaf_hash(hashed)
        subtree_hash = subtree_hash_from(store.complete)
        for size in range(1, 151):
            assert subtree_hash(0, size) == tree.root(size)
            for index in range(0, size, 7):
                assert inclusion_proof_from(subtree_hash, index, size) == tree.inclusion(
                    index, size
                )
            for old in range(0, size + 1, 5):
                assert consistency_proof_from(subtree_hash, old, size) == tree.consistency(
                    old, size
                )

    def test_a_proof_reads_few_stored_rows_however_large_the_log(self):
        store = CompleteSubtreeStore()
        for number in range(100_000):
            store.append(leaf_hash(b"%d" % number))
        subtree_hash = subtree_hash_from(store.complete)
        store.reads = 0
        proof = inclusion_proof_from(subtree_hash, 77_777, 100_000)
        assert store.reads <= 3 * 17  # O(log n) rows, not the 100,000 leaves
        root = subtree_hash(0, 100_000)
        assert verify_inclusion(77_777, 100_000, leaf_hash(b"77777"), proof, root)
        store.reads = 0
        proof = consistency_proof_from(subtree_hash, 65_537, 100_000)
        assert store.reads <= 3 * 17
        assert verify_consistency(65_537, 100_000, subtree_hash(0, 65_537), root, proof)

    def test_store_based_builders_refuse_impossible_arguments(self):
        store = CompleteSubtreeStore()
        for hashed in LEAF_HASHES:
            store.append(hashed)
        subtree_hash = subtree_hash_from(store.complete)
        for call in (
            lambda: inclusion_proof_from(subtree_hash, 8, 8),
            lambda: inclusion_proof_from(subtree_hash, -1, 8),
            lambda: inclusion_proof_from(subtree_hash, 0, -1),
            lambda: consistency_proof_from(subtree_hash, 5, 4),
            lambda: consistency_proof_from(subtree_hash, -1, 4),
            lambda: subtree_hash(3, 3),
        ):
            with pytest.raises(ProofError):
                call()


class TestLargeTree:
    def test_a_tree_of_100000_leaves_gives_proofs_that_verify(self):
        hashes = numbered_leaves(100_000)
        tree = MerkleTree(hashes)
        root = tree.root()
        assert root == root_hash(hashes)
        for index in (0, 1, 65_535, 65_536, 77_777, 99_998, 99_999):
            proof = tree.inclusion(index)
            assert len(proof) <= 17  # ceil(log2(100000))
            assert verify_inclusion(index, 100_000, hashes[index], proof, root)
        assert len(tree.inclusion(0)) == 17
        assert inclusion_proof(hashes, 77_777) == tree.inclusion(77_777)
        for old in (1, 4_096, 65_536, 65_537, 99_999):
            proof = tree.consistency(old)
            assert verify_consistency(old, 100_000, tree.root(old), root, proof)
        assert consistency_proof(hashes, 65_537) == tree.consistency(65_537)
        # an earlier tree head keeps its proofs after the tree has grown
        assert verify_inclusion(10, 4_096, hashes[10], tree.inclusion(10, 4_096), tree.root(4_096))


class TestBadArguments:
    def test_proof_error_is_a_value_error(self):
        assert issubclass(ProofError, ValueError)

    def test_inclusion_of_a_leaf_outside_the_tree_is_refused(self):
        hashes = numbered_leaves(5)
        tree = MerkleTree(hashes)
        for bad_index in (5, 6, -1, 10**20):
            with pytest.raises(ProofError):
                inclusion_proof(hashes, bad_index)
            with pytest.raises(ProofError):
                tree.inclusion(bad_index)
        with pytest.raises(ProofError):
            inclusion_proof([], 0)
        with pytest.raises(ProofError):
            tree.inclusion(3, 3)
        with pytest.raises(ProofError):
            tree.inclusion(0, 6)  # a size the tree has not reached
        with pytest.raises(ProofError):
            tree.inclusion(0, -1)
        with pytest.raises(ProofError):
            tree.inclusion(True)  # type: ignore[arg-type]

    def test_consistency_with_impossible_sizes_is_refused(self):
        hashes = numbered_leaves(5)
        tree = MerkleTree(hashes)
        for call in (
            lambda: consistency_proof(hashes, 6),
            lambda: consistency_proof(hashes, -1),
            lambda: tree.consistency(4, 3),
            lambda: tree.consistency(-1, 3),
            lambda: tree.consistency(2, 6),
            lambda: tree.consistency(2, -1),
            lambda: tree.root(6),
            lambda: tree.root(-1),
            lambda: tree.leaf_hash(5),
        ):
            with pytest.raises(ProofError):
                call()

    def test_leaf_hashes_of_the_wrong_length_are_refused(self):
        with pytest.raises(ProofError):
            root_hash([b"short"])
        with pytest.raises(ProofError):
            MerkleTree().append_leaf_hash(b"x" * 33)
        with pytest.raises(ProofError):
            MerkleTree(["not bytes"])  # type: ignore[list-item]

    def test_verifiers_answer_false_to_impossible_input(self):
        hashes = numbered_leaves(4)
        tree = MerkleTree(hashes)
        proof, root = tree.inclusion(1), tree.root()
        assert verify_inclusion(1, 4, hashes[1], proof, root)
        assert not verify_inclusion(4, 4, hashes[1], proof, root)
        assert not verify_inclusion(-1, 4, hashes[1], proof, root)
        assert not verify_inclusion(1, 0, hashes[1], proof, root)
        assert not verify_inclusion(1, -4, hashes[1], proof, root)
        assert not verify_inclusion(1, 4, hashes[1], [p[:31] for p in proof], root)
        assert not verify_inclusion(1, 4, hashes[1], proof, root + b"\x00")
        cons = tree.consistency(3)
        assert verify_consistency(3, 4, tree.root(3), root, cons)
        assert not verify_consistency(-3, 4, tree.root(3), root, cons)
        assert not verify_consistency(3, -4, tree.root(3), root, cons)
        assert not verify_consistency(5, 4, tree.root(3), root, cons)
        assert not verify_consistency(3, 4, tree.root(3)[:16], root, cons)
        assert not verify_consistency(3, 4, tree.root(3), root, [*cons[:-1], b"x" * 32 + b"y"])
