"""Vectorised MinHash signatures, compatible with datasketch's "affine32" scheme.

Pipeline per batch of documents, with no per-shingle Python:
  normalised text -> token ids (words: polars' seeded string hash; chars: code points)
  -> n-gram hash (polynomial over the ids, in uint64, folded to 32 bits)
  -> datasketch's pre-mix (MurmurHash3 fmix32) -> one affine step `a*h + b mod 2^32` for all
  permutations at once, as a (shingles x perms) uint32 array -> `np.minimum.reduceat` per document.

The permutations (a, b) are the ones `datasketch.MinHash(num_perm, seed)` draws, and the arithmetic is
the one datasketch >= 2.0 uses by default ("affine32": odd `a`, wrap-around modulo 2^32, a bijection, so
the permutation step adds no collisions). Given the same 32-bit shingle hashes the signatures are
bit-identical to `datasketch.MinHash.update_batch` (tested), so they can be wrapped as
`LeanMinHash(seed=, hashvalues=, scheme="affine32")` and indexed by `MinHashLSH`.
Everything is seeded: the same texts and settings give the same signatures in every run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ftcurate.core.errors import ConfigError

SHINGLES = ("word", "char")
SCHEME = "affine32"
EMPTY = np.uint32(0xFFFFFFFF)
# Odd 64-bit multiplier for the polynomial n-gram hash (from splitmix64).
_POLY = np.uint64(0x9E3779B97F4A7C15)
_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))
# Shingle hashes per affine step: 4096 x 128 perms x 4 bytes = 2 MiB, cache-friendly.
_BLOCK_SHINGLES = 4096
_WORD_SEED = 0x5EED


@dataclass(frozen=True)
class MinHashConfig:
    """MinHash settings.

    Attributes:
        shingle: "char" (character n-grams of the normalised text; robust to typos in short texts) or
            "word" (word n-grams; cheaper on long texts).
        ngram: shingle length in characters or words.
        num_perm: permutations (signature length).
        seed: permutation seed.
    """

    shingle: str = "char"
    ngram: int = 4
    num_perm: int = 128
    seed: int = 1

    def validate(self) -> None:
        if self.shingle not in SHINGLES:
            raise ConfigError(f"unknown shingle type {self.shingle!r}; expected one of {', '.join(SHINGLES)}")
        if not isinstance(self.ngram, int) or not 1 <= self.ngram <= 16:
            raise ConfigError(f"ngram must be a whole number from 1 to 16, got {self.ngram!r}")
        if not isinstance(self.num_perm, int) or not 16 <= self.num_perm <= 1024:
            raise ConfigError(f"num_perm must be a whole number from 16 to 1024, got {self.num_perm!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"seed must be a non-negative whole number, got {self.seed!r}")


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) uint32 arrays datasketch's `MinHash(num_perm, seed, scheme="affine32")` uses."""
    from datasketch import MinHash

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations
    return np.asarray(a, dtype=np.uint32), np.asarray(b, dtype=np.uint32)


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser (datasketch's pre-mix), element-wise on uint32."""
    s1, m1, s2, m2 = _FMIX
    h = h ^ (h >> s1)
    h = h * m1
    h = h ^ (h >> s2)
    h = h * m2
    return h ^ (h >> s1)


def _ngram_hashes(ids: np.ndarray, lengths: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hash every n-gram of every document in a concatenated id array.

    Args:
        ids: uint64 token ids of all documents, concatenated.
        lengths: tokens per document (all >= 1).
        n: n-gram length. A document shorter than n yields one shingle: all its tokens.

    Returns:
        (hashes uint32, counts): the shingle hashes in document order and the count per document.
    """
    total = len(ids)
    starts = np.cumsum(lengths) - lengths
    counts = np.where(lengths >= n, lengths - n + 1, 1)
    n_win = int(counts.sum())
    doc_of = np.repeat(np.arange(len(lengths)), counts)
    win_start = starts[doc_of] + (np.arange(n_win) - np.repeat(np.cumsum(counts) - counts, counts))
    win_len = np.minimum(lengths, n)[doc_of]
    out = np.empty(n_win, dtype=np.uint64)
    with np.errstate(over="ignore"):
        full = win_len == n
        if total >= n and full.any():
            # Horner's rule over the concatenation; windows that cross a boundary are never picked.
            h = ids[: total - n + 1].copy()
            for j in range(1, n):
                h *= _POLY
                h += ids[j: total - n + 1 + j]
            out[full] = h[win_start[full]]
        for k in range(1, n):  # documents shorter than n: one window of length k
            sel = np.flatnonzero(win_len == k)
            if len(sel):
                h = ids[win_start[sel]].copy()
                for j in range(1, k):
                    h *= _POLY
                    h += ids[win_start[sel] + j]
                out[sel] = h
        # Length salt: a 2-word text must not collide with a 2-gram inside a longer text.
        out = out * _POLY + win_len.astype(np.uint64)
    folded = ((out ^ (out >> np.uint64(32))) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    return folded, counts


class MinHasher:
    """Computes MinHash signatures for normalised texts in vectorised batches.

    Args:
        config: shingling and permutation settings (validated here; raises ConfigError).
    """

    def __init__(self, config: MinHashConfig) -> None:
        config.validate()
        self.config = config
        self.a, self.b = permutations(config.num_perm, config.seed)

    # -- shingling --------------------------------------------------------------------------------
    def _token_ids(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        if self.config.shingle == "char":
            lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
            ids = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
            return ids, lengths
        # Word ids: polars' seeded string hash over all words at once (~1 ns a word). It is stable for
        # a given polars version; signatures are never stored, so that is all determinism needs.
        s = pl.Series(texts, dtype=pl.Utf8)
        words = s.str.split(" ")
        lengths = words.list.len().to_numpy().astype(np.int64)
        empty = (s.str.len_bytes() == 0).to_numpy()
        flat = words.explode()
        if empty.any():
            flat = flat.filter(pl.Series(np.repeat(~empty, lengths)))
            lengths[empty] = 0
        return flat.hash(seed=_WORD_SEED).to_numpy(), lengths

    def shingle_hashes(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """32-bit shingle hashes of normalised texts and the count per text (0 for empty texts)."""
        ids, lengths = self._token_ids(texts)
        counts = np.zeros(len(texts), dtype=np.int64)
        nonempty = lengths > 0
        if not nonempty.any():
            return np.zeros(0, dtype=np.uint32), counts
        hashes, c = _ngram_hashes(ids, lengths[nonempty], self.config.ngram)
        counts[nonempty] = c
        return hashes, counts

    # -- signatures -------------------------------------------------------------------------------
    def signatures_from_hashes(self, hashes: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Signatures (len(counts) x num_perm, uint32) from shingle hashes grouped by document.

        A document with no shingles gets the all-0xFFFFFFFF signature (datasketch's empty MinHash).
        """
        n_docs = len(counts)
        sig = np.full((n_docs, self.config.num_perm), EMPTY, dtype=np.uint32)
        docs = np.flatnonzero(counts)
        if len(docs) == 0:
            return sig
        mixed = fmix32(hashes.astype(np.uint32, copy=False))
        offsets = np.concatenate(([0], np.cumsum(counts[docs])))
        a, b = self.a, self.b
        i = 0
        while i < len(docs):
            # Take whole documents until the block holds about _BLOCK_SHINGLES shingles.
            j = int(np.searchsorted(offsets, offsets[i] + _BLOCK_SHINGLES, side="right")) - 1
            j = max(j, i + 1)
            lo, hi = offsets[i], offsets[j]
            # (perms x shingles) so each document's shingles are contiguous for reduceat (~10x
            # faster than reducing along axis 0); uint32 arithmetic wraps, i.e. is modulo 2^32.
            block = a[:, None] * mixed[None, lo:hi]
            block += b[:, None]
            sig[docs[i:j]] = np.minimum.reduceat(block, offsets[i:j] - lo, axis=1).T
            i = j
        return sig

    def signatures(self, texts: list[str], batch: int = 20_000, progress=None) -> np.ndarray:
        """MinHash signatures of normalised texts: (len(texts) x num_perm) uint32.

        `progress` (optional) is checked for cancellation between batches.
        """
        out = np.empty((len(texts), self.config.num_perm), dtype=np.uint32)
        for s in range(0, len(texts), batch):
            if progress is not None:
                progress.check_cancelled()
            chunk = texts[s:s + batch]
            out[s:s + len(chunk)] = self.signatures_from_hashes(*self.shingle_hashes(chunk))
        return out

    def lean(self, signature: np.ndarray):
        """Wrap one signature row as a datasketch `LeanMinHash`."""
        from datasketch import LeanMinHash

        return LeanMinHash(seed=self.config.seed, hashvalues=signature, scheme=SCHEME)
