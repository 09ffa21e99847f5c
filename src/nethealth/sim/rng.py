"""Deterministic random streams.

Every consumer asks for its own named stream so that adding a draw in one module never shifts
the numbers another module sees (outputs stay stable while the generator grows).
"""

from __future__ import annotations

import hashlib

import numpy as np


def _label_words(label: str) -> list[int]:
    digest = hashlib.blake2b(label.encode("utf-8"), digest_size=16).digest()
    return [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]


def stream(seed: int, *labels: str | int) -> np.random.Generator:
    """A numpy Generator determined only by the seed and the labels."""
    words = [seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF]
    for label in labels:
        words.extend(_label_words(str(label)))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(words)))


def stable_hex(*parts: str | int, length: int = 8) -> str:
    """A stable pseudo-random hex token (opaque ids, names); independent of PYTHONHASHSEED."""
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()[:length]
