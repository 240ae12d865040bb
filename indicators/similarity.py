"""Near-duplicate sketches for syndication: bottom-k MinHash over word shingles.

Wire copy carried by several outlets is lightly edited (a dateline, a credit line, a
trimmed clause). News items are short (30–90 words), where SimHash proved too noisy in
our trials (edited copies and different stories overlapped in Hamming distance), so we
estimate the Jaccard resemblance of word 3-shingle sets with a bottom-k sketch: the k
smallest shingle hashes. For items under k shingles the sketch is the whole set and the
estimate is exact. Hand-written (30 lines) rather than a library that needs NumPy.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection, Sequence

from indicators.text import tokenize

SHINGLE = 3
K = 64
# Resemblance ≥ 0.45: edited copies of one story score 0.5–0.9 in our tests; different
# stories on the same topic (shared stock phrases such as "officials said on Friday")
# stay under 0.3.
SYNDICATED = 0.45


# A shingle's hash is a copy of this empty 4-byte BLAKE2b state, updated: ~15 % less than
# a new ``blake2b(data, digest_size=4)`` per shingle (its keyword argument is parsed every
# time), and the same digest.
_EMPTY_BLAKE2B, _from_bytes = hashlib.blake2b(digest_size=4), int.from_bytes


def sketch(text: str) -> tuple[int, ...]:
    """The bottom-k sketch of ``text``'s word 3-shingles, sorted ascending.

    A shingle's hash is the first 4 bytes of its BLAKE2b digest (stored sketches depend
    on it). Written for speed: a parse worker sketches every entry with evidence
    (~60 µs each; the zip is for SHINGLE = 3)."""
    return sketch_words(tokenize(text))


def sketch_words(words: Sequence[str]) -> tuple[int, ...]:
    """``sketch`` of a text whose words (``tokenize``) are known already: a parse worker
    has the matcher's (``Matcher.words_of``), ~20 % of a sketch."""
    if len(words) < SHINGLE:
        shingles = {" ".join(words)} if words else set()
    else:
        shingles = {f"{a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:], strict=False)}
    hashes = set()
    fresh = _EMPTY_BLAKE2B.copy
    for shingle in shingles:
        state = fresh()
        state.update(shingle.encode())
        hashes.add(_from_bytes(state.digest(), "big"))
    return tuple(sorted(hashes)[:K])


def resemblance(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard resemblance of the two shingle sets behind two sketches."""
    if not a or not b:
        return 0.0
    union = sorted(set(a) | set(b))[:K]
    both = set(a) & set(b)
    return sum(1 for h in union if h in both) / len(union)


def syndicated(a: Sequence[int], b: Sequence[int]) -> bool:
    return resemblance(a, b) >= SYNDICATED


def may_be_syndicated(a: frozenset[int] | set[int], b: Collection[int]) -> bool:
    """A cheap necessary condition for ``syndicated`` on the sketches' hash sets.

    The estimate counts shared hashes among the ``min(K, |a ∪ b|)`` smallest of the union,
    so it is at most ``|a ∩ b| / min(K, |a ∪ b|)``: below the threshold, the pair is not
    syndicated, and one C-level set intersection spared the exact estimate. Most pairs
    in a window are different stories and stop here (14x faster grouping, measured).
    ``b`` may be the sketch itself (its hashes are distinct): a stored candidate's is
    never made a set (issue 15: building one was a tenth of placing new evidence).
    """
    both = len(a.intersection(b))
    return both > 0 and both >= SYNDICATED * min(K, len(a) + len(b) - both)


# A sketch's signature: one bit per hash (its low bits) in SIGNATURE_BITS bits, with its
# number of hashes. Comparing two signatures is a few integer operations in C, where
# comparing sketches makes a Python int of every hash; it rejects ~99 % of a busy topic's
# candidate copies (stories that share a stock sentence and so a band) exactly, without
# reading their hashes (issue 15: most of finding copies at 60,000 stored entries).
SIGNATURE_BITS = 1024
Signature = tuple[int, int, int]  # (bits, hashes, hashes whose bit another one set too)


# Signatures by sketch, the oldest dropped first (``_KEPT`` of them, as for band keys):
# the writing thread signs a new entry's sketch when it stores it and again when it looks
# for its copies (~8 µs each time).
_signed: dict[tuple[int, ...], Signature] = {}


def signature(sk: Sequence[int]) -> Signature:
    key = tuple(sk)
    known = _signed.get(key)
    if known is not None:
        return known
    bits = 0
    for h in key:
        bits |= 1 << (h & (SIGNATURE_BITS - 1))
    known = (bits, len(key), len(key) - bits.bit_count())
    if len(_signed) >= _KEPT:
        _signed.pop(next(iter(_signed)), None)
    _signed[key] = known
    return known


def may_share_enough(a: Signature, b: Signature) -> bool:
    """A necessary condition for ``may_be_syndicated`` (so for ``syndicated``) on the
    two sketches' signatures.

    A shared hash sets the same bit in both, so the shared hashes are at most the bits
    both set plus the hashes of either sketch that share a bit with another of its own
    (``signature``'s third part). ``may_be_syndicated``'s test only gets easier to pass
    as the count grows (the union shrinks), so a pair that fails it at this bound fails
    it at the true count."""
    bits_a, len_a, crowded_a = a
    bits_b, len_b, crowded_b = b
    most = (bits_a & bits_b).bit_count() + min(crowded_a, crowded_b)
    return most > 0 and most >= SYNDICATED * min(K, len_a + len_b - most)


# Locality-sensitive bands over the sketch, so that new evidence is compared only with
# stored pieces that share a band (an index lookup), not with everything in its window.
# PERMUTATIONS permutations of the hash space, each splitting it into BINS bins; a bin's
# value is the smallest permuted hash of the sketch that falls in it; a band is ROWS
# neighbouring bins of one permutation (BINS // ROWS bands each). Two sketches share a band
# with probability about ``1 - (1 - J**ROWS)**BANDS`` for a Jaccard resemblance J: 0.91 at
# the 0.45 threshold, 0.96 at 0.5, 0.998 at 0.6 (wire copies score 0.5-0.9), 0.18 at 0.2,
# 0.02 at 0.1. Rows of three, not two (issue 15): a topic's stories share whole stock
# sentences, which puts unrelated stories at J 0.15-0.25; with bands of two bins of one
# permutation (0.48 at 0.2) every new entry of the realistic corpus had ~180 candidates in
# its window, and a poll grew with the evidence stored. These bands give it 22, and find
# all of its 159 syndicated pairs in a sample (docs/benchmarks.md). Exact pairwise comparison
# (prefix filtering) was tried first: stock phrases ("India and Russia", "the two
# countries") put most pieces in every piece's candidates.
BINS = 16
ROWS = 3
PERMUTATIONS = 5
BANDS = PERMUTATIONS * (BINS // ROWS)
# Odd multipliers (Fibonacci and MurmurHash constants) after an xor with a per-permutation
# salt: bijections of the 32-bit hashes that order them independently enough.
_SPREADS = (0x9E3779B1, 0x85EBCA6B, 0xC2B2AE35, 0x27D4EB2F, 0x165667B1)
_SALT = 0x5BD1E995
_MASK = 0xFFFFFFFF
_MASK64 = 0xFFFFFFFFFFFFFFFF
MIX = 0xBF58476D1CE4E5B9  # splitmix64's multiplier
BIN_SHIFT = 32 - (BINS.bit_length() - 1)  # the top bits of a permuted hash: its bin
# Each permutation's salt, multiplier and first band place; the first bin of each band.
PERMUTED = tuple((p * _SALT, spread, p * BINS) for p, spread in enumerate(_SPREADS[:PERMUTATIONS]))
BAND_STARTS = tuple(range(0, BINS - ROWS + 1, ROWS))
PREFIXED = 24  # sketches of at most this many hashes also have prefix keys
_PREFIX = 1 << 56  # prefix keys are a hash plus this: never a band key (56 bits)


# Band keys by sketch, the oldest dropped first: the parse workers compute the new
# entries' keys (``remember_bands``), so the thread that writes never does (~0.15 ms a
# sketch: 2 s of a 12,000-entry poll). Only new units need their keys (a stored one is
# found through its postings), and a batch holds at most ~1,200 entries: 16,384
# kept sketches were ~51 MB of the daemon's memory (issue 15: 286 MB against 250).
_KEPT = 2_048
_known: dict[tuple[int, ...], tuple[int, ...]] = {}


def bands(sk: tuple[int, ...]) -> tuple[int, ...]:
    """The band keys of a sketch (bands with an empty bin are left out), sorted."""
    keys = _known.get(sk)
    if keys is None:
        keys = compute_bands(sk)
        remember_bands(sk, keys)
    return keys


def remember_bands(sk: tuple[int, ...], keys: tuple[int, ...]) -> None:
    """Keep ``keys`` as the bands of ``sk`` (computed by ``compute_bands`` elsewhere)."""
    if len(_known) >= _KEPT:
        _known.pop(next(iter(_known)), None)
    _known[sk] = keys


def compute_bands(sk: tuple[int, ...]) -> tuple[int, ...]:
    """``bands`` without the memory: what a parse worker computes for a new entry (~75 µs
    a sketch, ~10 % less than written the plain way, which a test pins it to)."""
    keys = set()
    for salt, spread, place in PERMUTED:
        # Largest first, so that each bin keeps its smallest permuted hash.
        permuted = [((h ^ salt) * spread) & _MASK for h in sk]
        permuted.sort(reverse=True)
        mins = {g >> BIN_SHIFT: g for g in permuted}
        for i in BAND_STARTS:
            if i in mins and i + 1 in mins and i + 2 in mins:  # ROWS = 3 bins
                # A 56-bit key (a signed BIGINT) of the band: its place and its bins'
                # values, mixed by multiply-xorshift rounds (fixed arithmetic: stored keys
                # stay valid across Pythons).
                x = (((place + i) ^ mins[i]) * MIX) & _MASK64
                x ^= x >> 29
                x = ((x ^ mins[i + 1]) * MIX) & _MASK64
                x ^= x >> 29
                x = ((x ^ mins[i + 2]) * MIX) & _MASK64
                x ^= x >> 29
                keys.add(x >> 8)
    keys.update(prefix_keys(sk))
    return tuple(sorted(keys))


def prefix_keys(sk: Sequence[int]) -> list[int]:
    """The prefix keys of a short sketch (none for a longer one).

    A short text (a headline) fills few bands whole, and a changed word (a desk's name)
    changes them all: its prefix is kept as keys too. Two texts with a resemblance of at
    least SYNDICATED share a hash among the smallest ``n - ceil(SYNDICATED * n) + 1`` of
    each (the prefix-filtering principle), so no copy is missed between texts of up to
    PREFIXED hashes. Not for longer texts: their bands find copies, and a topic's stock
    phrases make prefixes meet often (at 53 hashes, 46 % of the realistic corpus had
    prefix keys: 1.5x the postings)."""
    if len(sk) > PREFIXED:
        return []
    take = len(sk) - math.ceil(SYNDICATED * len(sk)) + 1
    return [_PREFIX + h for h in sorted(sk)[:take]]


def share_band(a: Sequence[int], b: Sequence[int]) -> bool:
    """Whether two band-key tuples meet: the pair is a candidate for ``syndicated``."""
    return not set(a).isdisjoint(b)
